import * as path from 'node:path';
import { readHfConfig } from '../../engine/io/hfConfig';
import { MODEL_DIR_ENTRIES, prepareOutputDir } from '../../engine/io/outputs';
import { createPresetModel, initWeights, saveModel } from '../../engine/nn/model';
import { presetNames } from '../../engine/nn/presets';
import { UsageError } from '../errors';
import { type Command } from './command';
import { booleans, intOption, parse, requireOption, strings } from './options';

export const initModel: Command = {
  summary: 'write a fresh model directory (a preset, or a config.json) with random weights',
  usage: `(--preset NAME | --config FILE) --out DIR [--seed N] [--force]\n  presets: ${presetNames().join(', ')}`,
  async run(args) {
    const { values } = parse(args, { ...strings('preset', 'config', 'out', 'seed'), ...booleans('force') });
    const out = requireOption(values.out, '--out DIR');
    const seed = intOption(values.seed, '--seed', 0);
    if (!values.preset === !values.config) throw new UsageError('give exactly one of --preset NAME or --config FILE');
    if (values.preset && !presetNames().includes(values.preset))
      throw new UsageError(`unknown preset "${values.preset}" (known: ${presetNames().join(', ')})`);
    // A device, a file or a foreign folder is refused; --force replaces only a model directory (io/outputs.ts).
    const dir = prepareOutputDir(out, {
      owned: MODEL_DIR_ENTRIES,
      notEmpty: 'already exists (use --force to replace it)',
      force: Boolean(values.force),
      inputs: values.config ? [values.config] : [],
    });
    const base = await createPresetModel(values.preset ?? 'tiny', seed);
    let model = base;
    if (values.config) {
      const config = readHfConfig(values.config);
      if (config.vocabSize < base.tokenizer.vocabSize)
        throw new UsageError(
          `${values.config}: vocab_size ${config.vocabSize} is smaller than the built-in tokenizer (${base.tokenizer.vocabSize})`,
        );
      model = { ...base, config, weights: initWeights(config, seed) };
    }
    await saveModel(dir, model, { tokenizerFiles: base.tokenizerFiles, overwrite: true });
    const params = Object.values(model.weights).reduce((n, t) => n + t.data.length, 0);
    process.stdout.write(
      `wrote ${path.resolve(out)} (${model.config.architectures[0]}, ${(params / 1e6).toFixed(2)}M parameters)\n`,
    );
    return 0;
  },
};
