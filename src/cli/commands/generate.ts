import { LMRuntime } from '../../engine/generate/runtime';
import { loadModel } from '../../engine/nn/model';
import { contextProblem } from '../../engine/generate/context';
import { UsageError } from '../errors';
import { type Command, commandRuntime, RUNTIME_FLAGS, RUNTIME_USAGE } from './command';
import { booleans, intOption, numberOption, parse, requireOption, strings } from './options';

export const generate: Command = {
  summary: 'sample continuations of a prompt',
  usage:
    '--model DIR --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed N] [--num N] [--stop S]... [--chat] [--frozen-weights auto|embedded|fed]\n' +
    `       ${RUNTIME_USAGE} [--json]`,
  async run(args) {
    const { values } = parse(args, {
      stop: { type: 'string', multiple: true },
      ...strings('model', 'prompt', 'max-new-tokens', 'temperature', 'top-p', 'top-k', 'seed', 'num', 'frozen-weights'),
      ...booleans('chat', 'json'),
      ...RUNTIME_FLAGS,
    });
    const runtime = commandRuntime(values); // before the model loads: a bad --provider is exit 2 at once
    const sampling = samplingOptions(values); // bad numbers are exit 2 before the model loads
    const model = await loadModel(requireOption(values.model, '--model DIR'));
    const promptText = requireOption(values.prompt, '--prompt TEXT');
    let text = promptText;
    if (values.chat) {
      const rendered = model.tokenizer.applyChatTemplate([{ role: 'user', content: promptText }], { addGenerationPrompt: true });
      if (rendered === null) throw new UsageError(`${values.model}: the tokenizer has no chat template (drop --chat)`);
      text = rendered;
    }
    const ids = model.tokenizer.encode(text, { addSpecialTokens: !values.chat });
    const tooLong = contextProblem(model.config, ids.length, sampling.maxNewTokens);
    if (tooLong) throw new UsageError(`--prompt: ${tooLong}, in ${values.model}/config.json`);
    const lm = await LMRuntime.create(model, { runtime });
    const { num, ...options } = sampling;
    const gens = await lm.generate(
      Array.from({ length: num }, () => ids),
      { ...options, stop: values.stop },
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

/** More continuations than this in one batch would hold a KV cache each: a typo (1e9) exhausts memory. */
const MAX_NUM = 1024;

type SamplingFlags = Partial<Record<'max-new-tokens' | 'temperature' | 'top-p' | 'top-k' | 'seed' | 'num', string>>;

/** The sampling flags, each checked against its range. */
function samplingOptions(values: SamplingFlags) {
  const o = {
    maxNewTokens: intOption(values['max-new-tokens'], '--max-new-tokens', 64),
    temperature: numberOption(values.temperature, '--temperature', 0.7),
    topP: numberOption(values['top-p'], '--top-p', 1),
    topK: intOption(values['top-k'], '--top-k', 0),
    seed: intOption(values.seed, '--seed', 0),
    num: intOption(values.num, '--num', 1),
  };
  const bad = (flag: string, range: string) =>
    new UsageError(`${flag} must be ${range}, got "${values[flag.slice(2) as keyof SamplingFlags]}"`);
  if (o.maxNewTokens < 1) throw bad('--max-new-tokens', 'at least 1');
  if (o.temperature < 0) throw bad('--temperature', 'at least 0');
  if (!(o.topP > 0 && o.topP <= 1)) throw bad('--top-p', 'in (0, 1]');
  if (o.topK < 0) throw bad('--top-k', 'at least 0 (0: all tokens)');
  if (o.num < 1 || o.num > MAX_NUM) throw bad('--num', `from 1 to ${MAX_NUM}`);
  return o;
}
