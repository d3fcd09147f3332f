import { LMRuntime } from '../../engine/generate/runtime';
import { loadModel } from '../../engine/nn/model';
import { UsageError } from '../errors';
import {
  commandRuntime,
  intOption,
  numberOption,
  parse,
  requireOption,
  RUNTIME_FLAGS,
  RUNTIME_USAGE,
  type Command,
} from './command';

export const generate: Command = {
  summary: 'sample continuations of a prompt',
  usage:
    '--model DIR --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed N] [--num N] [--stop S]... [--chat] [--frozen-weights auto|embedded|fed]\n' +
    `       ${RUNTIME_USAGE} [--json]`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string' },
      prompt: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      num: { type: 'string' },
      stop: { type: 'string', multiple: true },
      chat: { type: 'boolean' },
      json: { type: 'boolean' },
      'frozen-weights': { type: 'string' },
      ...RUNTIME_FLAGS,
    });
    const runtime = commandRuntime(values); // before the model loads: a bad --provider is exit 2 at once
    const model = await loadModel(requireOption(values.model, '--model DIR'));
    const promptText = requireOption(values.prompt, '--prompt TEXT');
    let text = promptText;
    if (values.chat) {
      const rendered = model.tokenizer.applyChatTemplate([{ role: 'user', content: promptText }], { addGenerationPrompt: true });
      if (rendered === null) throw new UsageError(`${values.model}: the tokenizer has no chat template (drop --chat)`);
      text = rendered;
    }
    const ids = model.tokenizer.encode(text, { addSpecialTokens: !values.chat });
    const num = intOption(values.num, '--num', 1);
    const lm = await LMRuntime.create(model, { runtime });
    const gens = await lm.generate(
      Array.from({ length: num }, () => ids),
      {
        maxNewTokens: intOption(values['max-new-tokens'], '--max-new-tokens', 64),
        temperature: numberOption(values.temperature, '--temperature', 0.7),
        topP: numberOption(values['top-p'], '--top-p', 1),
        topK: intOption(values['top-k'], '--top-k', 0),
        seed: intOption(values.seed, '--seed', 0),
        stop: values.stop,
      },
    );
    if (values.json)
      process.stdout.write(
        JSON.stringify(
          gens.map((g) => ({ text: g.text, tokens: g.tokens, logprobs: g.logprobs, finishReason: g.finishReason })),
        ) + '\n',
      );
    else for (const g of gens) process.stdout.write(`${g.text}\n`);
    return 0;
  },
};
