// `maporl prepare-agents`: the base-agent stage on its own (the palette's "Prepare Base Agents"):
// SFT of a fresh preset on a built-in task, cached like a config's `baseAgents` section, and copied
// out as an HF model directory when --out is given.
import * as fs from 'node:fs';
import { recipeOf } from '../../engine/maporl/base';
import { ensurePreparedBase, stageEnd, stageProgress } from '../../engine/maporl/train';
import { reportEvent } from '../../engine/io/parentChannel';
import { loadConfig, parseConfig } from '../../engine/maporl/config';
import { presetNames } from '../../engine/nn/presets';
import { writeDirAtomic } from '../../engine/io/atomic';
import { MODEL_DIR_ENTRIES, prepareOutputDir } from '../../engine/io/outputs';
import { UsageError } from '../errors';
import { Progress } from '../progress';
import { type Command, commandRuntime, RUNTIME_FLAGS, RUNTIME_USAGE } from './command';
import { booleans, intOption, numberOption, parse, strings } from './options';

export const prepareAgents: Command = {
  summary: 'fine-tune base agents on a built-in task (SFT), cached, optionally copied to a model directory',
  usage:
    '[--config FILE.maporl.json | --task arith|nli|pairsum [--preset tiny] [--steps N] [--lr X] [--seed N]] [--out DIR] [--force] [--json]\n' +
    `  ${RUNTIME_USAGE}\n` +
    `  ${RUNTIME_USAGE}\n` +
    "  With --config the recipe is that experiment's baseAgents section (its task and prompts); otherwise the defaults with these options.",
  async run(args) {
    const { values } = parse(args, {
      ...strings('config', 'task', 'preset', 'steps', 'lr', 'seed', 'out'),
      ...booleans('force', 'json'),
      ...RUNTIME_FLAGS,
    });
    if (values.config && (values.task || values.preset || values.steps || values.lr || values.seed))
      throw new UsageError('--config takes the recipe from the config file: drop --task/--preset/--steps/--lr/--seed');
    if (values.preset && !presetNames().includes(values.preset))
      throw new UsageError(`unknown preset "${values.preset}" (known: ${presetNames().join(', ')})`);
    // Checked before minutes of SFT: a device, a file or a foreign folder is refused, and --force
    // replaces only a model directory (io/outputs.ts), whole and atomically once the agents are ready.
    const outDir = values.out
      ? prepareOutputDir(values.out, {
          owned: MODEL_DIR_ENTRIES,
          notEmpty: 'already exists (use --force to replace it)',
          force: Boolean(values.force),
          inputs: values.config ? [values.config] : [],
          checkOnly: true,
        })
      : undefined;
    const config = values.config
      ? loadConfig(values.config)
      : parseConfig(
          {
            task: { type: values.task ?? 'arith' },
            agents: { models: ['base-agents'] },
            baseAgents: {
              ...(values.preset ? { preset: values.preset } : {}),
              ...(values.steps ? { steps: intOption(values.steps, '--steps', 0) } : {}),
              ...(values.lr ? { lr: numberOption(values.lr, '--lr', 0) } : {}),
              ...(values.seed ? { seed: intOption(values.seed, '--seed', 0) } : {}),
            },
          },
          '<command line>',
        );
    const recipe = recipeOf(config);
    if (!recipe) throw new UsageError(`${values.config}: the config has no baseAgents section`);
    const t0 = Date.now();
    const progress = new Progress('sft', recipe.steps);
    // Flags over the config's runtime section over the environment (runtime/resolve.ts).
    const runtime = commandRuntime(values, config.runtime);
    // The extension's job manager reads the stage's typed events (protocol StageEvent), not these lines.
    const report = stageProgress(recipe, 0, reportEvent);
    const prepared = await ensurePreparedBase(
      recipe,
      (s) => {
        progress.update(s.step, `loss ${s.loss.toFixed(3)}`);
        report(s);
      },
      undefined,
      runtime,
    );
    reportEvent(stageEnd(recipe, 0, prepared));
    let modelDir = prepared.modelDir;
    if (outDir) {
      modelDir = outDir;
      await writeDirAtomic(outDir, (tmp) => fs.cpSync(prepared.modelDir, tmp, { recursive: true }), { overwrite: true });
    }
    const seconds = (Date.now() - t0) / 1000;
    if (values.json)
      process.stdout.write(`${JSON.stringify({ modelDir, cached: prepared.modelDir, fresh: prepared.fresh, seconds })}\n`);
    else
      process.stdout.write(
        `${prepared.fresh ? 'prepared' : 'reused'} base agents (${recipe.preset}, ${recipe.steps} SFT steps on ${recipe.task}): ${modelDir}\n`,
      );
    return 0;
  },
};
