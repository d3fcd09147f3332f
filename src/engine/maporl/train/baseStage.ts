// The experiment's base-agent stage (config `baseAgents`): a fresh preset fine-tuned on worked
// solutions of the built-in task, in the discussion's own prompt format (baseAgents.ts), before
// any RL. The result is cached by everything that shapes it, so every run and experiment with the
// same settings reuses one model directory instead of repeating minutes of SFT.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_AGENTS_MODEL } from '../../../protocol/configSchema';
import type { RuntimeOptions } from '../../runtime/session';
import type { SftStepInfo } from '../../sft/trainer';
import { markOwner, removeDeadTemps, removeOnExit, tempPathFor } from '../../io/atomic';
import type { NewEvent } from '../../io/parentChannel';
import { prepareBaseAgents } from './baseAgents';
import { cacheRoot, recipeDir, sortKeys, type BaseAgentRecipe } from '../base/baseRecipe';
import type { MaporlConfig } from '../config';

export interface PreparedBase {
  modelDir: string;
  /** False when an earlier run had prepared it. */
  fresh: boolean;
}

/**
 * The model directory of a recipe's base agents, fine-tuning them first (on `runtime`, from
 * runtime/resolve.ts) unless the cache has them.
 * SFT writes into a private temporary folder that is renamed into place when complete, so an
 * interrupted or concurrent preparation never leaves a half-written model behind.
 */
export async function ensurePreparedBase(
  recipe: BaseAgentRecipe,
  onStep?: (s: SftStepInfo) => void,
  root = cacheRoot(),
  runtime?: RuntimeOptions,
): Promise<PreparedBase> {
  const dir = recipeDir(recipe, root);
  const modelDir = path.join(dir, 'sft', 'model');
  if (fs.existsSync(path.join(dir, 'recipe.json'))) return { modelDir, fresh: false };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // A preparation killed before it finished (Ctrl-C, SIGKILL) left a model-sized temporary: remove it.
  removeDeadTemps(path.dirname(dir));
  const tmp = tempPathFor(dir);
  const disposeCleanup = removeOnExit(tmp);
  markOwner(tmp); // its host and pid: a preparation on another host sharing the cache leaves it alone
  try {
    await prepareBaseAgents(tmp, recipe, onStep, runtime);
    fs.writeFileSync(path.join(tmp, 'recipe.json'), `${JSON.stringify(sortKeys(recipe), null, 2)}\n`);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      // Another process finished the same recipe first: use theirs.
      if (!fs.existsSync(path.join(dir, 'recipe.json'))) throw e;
    }
  } finally {
    disposeCleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { modelDir, fresh: true };
}

/** The config with every "base-agents" model spec replaced by the prepared model directory. */
export function withBaseModel(config: MaporlConfig, modelDir: string): MaporlConfig {
  const swap = (spec: string) => (spec === BASE_AGENTS_MODEL ? modelDir : spec);
  return {
    ...config,
    agents: { ...config.agents, models: config.agents.models.map(swap) },
    verifier: { ...config.verifier, model: swap(config.verifier.model) },
  };
}

type BaseStageEvent = Extract<NewEvent, { type: 'stage'; stage: 'base-agents' }>;

/**
 * The stage's progress as typed `stage` events (protocol/runRecords.ts, BaseAgentsStageEvent), for
 * a run's events (train/trainer.ts) or the parent of `maporl prepare-agents`: an `onStep` for
 * ensurePreparedBase that hands `emit` a `running` event at about twenty of the recipe's SFT steps
 * (every step would be thousands of records) and at the last. `step` is the run's iteration.
 */
export function stageProgress(
  recipe: BaseAgentRecipe,
  step: number,
  emit: (e: BaseStageEvent, s: SftStepInfo) => void,
): (s: SftStepInfo) => void {
  const every = Math.max(1, Math.round(recipe.steps / 20));
  return (s) => {
    if (s.step % every !== 0 && s.step !== s.totalSteps) return;
    const loss = Number.isFinite(s.loss) ? s.loss : null;
    emit({ type: 'stage', step, stage: 'base-agents', state: 'running', done: s.step, total: s.totalSteps, loss }, s);
  };
}

/** The stage's last event: `prepared` (its SFT ran now) or `reused` (the cache held the agents), with their directory. */
export function stageEnd(recipe: BaseAgentRecipe, step: number, prepared: PreparedBase): BaseStageEvent {
  const state = prepared.fresh ? 'prepared' : 'reused';
  const total = recipe.steps;
  return { type: 'stage', step, stage: 'base-agents', state, done: total, total, loss: null, dir: prepared.modelDir };
}
