import * as fs from 'node:fs';
import { LMRuntime } from '../../engine/generate/runtime';
import { loadModel } from '../../engine/nn/model';
import { contextProblem } from '../../engine/generate/context';
import { UsageError } from '../errors';
import { type Command, commandRuntime, RUNTIME_FLAGS, RUNTIME_USAGE } from './command';
import { parse, requireOption, strings } from './options';

export const logprobs: Command = {
  summary: 'print JSON {ids, tokens, logprobs} of a text under a model',
  usage: `--model DIR --text-file FILE [--frozen-weights auto|embedded|fed] ${RUNTIME_USAGE}`,
  async run(args) {
    const { values } = parse(args, { ...strings('model', 'text-file', 'frozen-weights'), ...RUNTIME_FLAGS });
    const runtime = commandRuntime(values);
    const file = requireOption(values['text-file'], '--text-file FILE');
    if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
    if (!fs.statSync(file).isFile()) throw new UsageError(`${file}: not a file (--text-file names a text file)`);
    const model = await loadModel(requireOption(values.model, '--model DIR'));
    const ids = model.tokenizer.encode(fs.readFileSync(file, 'utf8'));
    const tooLong = contextProblem(model.config, ids.length, 0);
    if (tooLong) throw new UsageError(`${file}: ${tooLong}, in ${values.model}/config.json`);
    const lm = await LMRuntime.create(model, { runtime });
    const { logprobs: lp } = await lm.score([ids]);
    const tokens = ids.map((id) => model.tokenizer.idToToken(id));
    // logprobs[i] = log p(ids[i] | ids[<i]); the first token has no prefix: null.
    process.stdout.write(JSON.stringify({ ids, tokens, logprobs: lp[0].map((x, i) => (i === 0 ? null : x)) }) + '\n');
    return 0;
  },
};
