// Base agents for the built-in tasks: a fresh preset model fine-tuned (SFT) on worked solutions in
// the discussion's own prompt format. `maporl demo`, the learning ladder (bench/ladder.ts) and the
// learning tests start from these agents, so their recipe lives in one place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaseAgentsSchema } from '../../../protocol/configSchema';
import { Rng } from '../../core/random';
import { createPresetModel, saveModel } from '../../nn/model';
import type { RuntimeOptions } from '../../runtime/session';
import { SFT_DEFAULTS } from '../../sft/options';
import type { Split } from '../../tasks/types';
import { runSft, type SftStepInfo } from '../../sft/trainer';
import type { BaseAgentRecipe } from '../base/baseRecipe';
import { sftRecords, writeSftJsonl, type SftRecord } from '../base/sftData';

/**
 * The demo's recipe. Small batches, many steps: at the `tiny` size a step costs little more than
 * its tokens, and the arithmetic only clicks after a few thousand updates (batch 32 for 700 steps
 * left the agents ~11% right; batch 8 for 2200 steps, 40% more time, about half). Stopping before it
 * fully clicks (by 2800 steps they are 55-90% right, depending on the seed and the CPU's rounding)
 * keeps them fallible.
 */
export const DEMO_RECIPE = demoRecipe();

/** The config's `baseAgents` defaults (configSchema.ts), without the seed and data mix the callers set. */
function demoRecipe() {
  const { seed: _seed, discussionFraction: _mix, madeUpErrors: _errors, ...recipe } = BaseAgentsSchema.parse({});
  return recipe;
}

export interface BaseAgents {
  /** HF model directory of the fine-tuned agents. */
  modelDir: string;
  heldOutLoss?: { before: number | null; after: number };
}

/**
 * Fine-tunes a fresh preset model into `out` (`out/init`, `out/data`, `out/sft/model`); `runtime`
 * from runtime/resolve.ts (the job's provider and threads).
 */
export async function prepareBaseAgents(
  out: string,
  r: BaseAgentRecipe,
  onStep?: (s: SftStepInfo) => void,
  runtime?: RuntimeOptions,
): Promise<BaseAgents> {
  const init = path.join(out, 'init');
  const fresh = await createPresetModel(r.preset, r.seed);
  await saveModel(init, fresh, { tokenizerFiles: fresh.tokenizerFiles });
  const stage = { steps: r.steps, lr: r.lr, batchSize: r.batchSize, warmupSteps: r.warmupSteps, seed: r.seed };
  return sftStage(out, init, recipeSftRecords(r, 'train', r.examples), recipeSftRecords(r, 'test', 200), stage, runtime, onStep);
}

/** One SFT stage of base agents: steps of a cosine schedule after a linear warmup, AdamW with weight decay 0.01. */
export interface SftStage {
  steps: number;
  lr: number;
  batchSize: number;
  warmupSteps: number;
  seed: number;
}

/**
 * Fine-tunes the model in `modelDir` on `train` into `out/sft/model`, reporting the completion loss
 * on `heldOut`; the pairs are written to `out/data` first. The base recipe's one stage, and the
 * suite's later stages on top of it (bench/ladder/rung.ts).
 */
export async function sftStage(
  out: string,
  modelDir: string,
  train: readonly SftRecord[],
  heldOut: readonly SftRecord[],
  stage: SftStage,
  runtime?: RuntimeOptions,
  onStep?: (s: SftStepInfo) => void,
): Promise<BaseAgents> {
  const data = path.join(out, 'data');
  fs.mkdirSync(data, { recursive: true });
  writeSftJsonl(path.join(data, 'sft-train.jsonl'), train);
  writeSftJsonl(path.join(data, 'sft-heldout.jsonl'), heldOut);
  const sft = await runSft(
    {
      ...SFT_DEFAULTS,
      model: modelDir,
      data: path.join(data, 'sft-train.jsonl'),
      evalData: path.join(data, 'sft-heldout.jsonl'),
      out: path.join(out, 'sft'),
      epochs: 100,
      maxSteps: stage.steps,
      lr: stage.lr,
      batchSize: stage.batchSize,
      warmupSteps: stage.warmupSteps,
      schedule: 'cosine',
      weightDecay: 0.01,
      saveEvery: 0,
      seed: stage.seed,
      runtime,
    },
    { onStep },
  );
  return { modelDir: sft.modelDir!, heldOutLoss: sft.heldOutLoss };
}

/**
 * The recipe's SFT pairs: `n` from its task, or, with `alsoTasks`, `n` split evenly across the tasks
 * (the first ones get the remainder) and shuffled together, so every batch sees every task.
 */
export function recipeSftRecords(r: BaseAgentRecipe, split: Split, n: number): SftRecord[] {
  const opts = { prompt: r.prompt, discussionFraction: r.discussionFraction, madeUpErrors: r.madeUpErrors, pairsum: r.pairsum };
  const tasks = [r.task, ...(r.alsoTasks ?? [])];
  if (tasks.length === 1) return sftRecords(r.task, split, n, r.seed, opts);
  const share = (i: number) => Math.floor(n / tasks.length) + (i < n % tasks.length ? 1 : 0);
  return new Rng(r.seed, 'sft/mixed-tasks').shuffle(tasks.flatMap((t, i) => sftRecords(t, split, share(i), r.seed, opts)));
}
