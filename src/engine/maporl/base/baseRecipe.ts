// What a config's base-agent stage stands for, without running it: the SFT recipe, where the cache
// keeps its result and under which key. Pure (no ONNX Runtime), so a sweep can find which recipes
// its runs need before any of them starts (sweep/baseStage.ts).
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAPORL_ENV } from '../../../protocol/environment';
import { DEFAULT_PAIRSUM_SHAPE, type BuiltinTask, type PairsumShape } from '../../tasks/synthetic';
import type { MaporlConfig } from '../config';
import { promptOptionsOf, type PromptOptions } from '../discussion/prompts';
import type { MadeUpErrors } from '../../../protocol/choices';

export interface BaseAgentRecipe {
  task: BuiltinTask;
  preset: string;
  /** Optimizer steps of SFT: how far the agents are trained (and so how fallible they stay). */
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  /** SFT pairs generated from the training split. */
  examples: number;
  /** Share of pairs in the later-turn format (sftData.ts). */
  discussionFraction?: number;
  /** How made-up wrong answers in those pairs go wrong (sftData.ts; absent: 'final-answer'). */
  madeUpErrors?: MadeUpErrors;
  prompt: PromptOptions;
  seed: number;
  /** The pairsum task's difficulty (present exactly when the recipe's task is pairsum). */
  pairsum?: PairsumShape;
  /** Other built-in tasks sharing the SFT data (absent, not empty, when there are none: the cache key of a one-task recipe stays what it was). */
  alsoTasks?: BuiltinTask[];
}

/** Where prepared base agents are kept: $MAPORL_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /maporl-studio. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[MAPORL_ENV.cacheDir];
  if (dir) return path.resolve(dir);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'maporl-studio');
}

/** The SFT recipe a config's baseAgents section stands for (null without one). */
export function recipeOf(config: MaporlConfig): BaseAgentRecipe | null {
  if (!config.baseAgents) return null;
  const { alsoTasks, ...b } = config.baseAgents;
  const task = config.task.type as BuiltinTask;
  const also = [...new Set(alsoTasks ?? [])].filter((t) => t !== task);
  // A run that shows verifier scores in its prompts gets base agents that met that format in SFT, with
  // made-up scores (sftData.ts): agents that never saw one lose their answers when a prompt shows it.
  return {
    ...b,
    ...(also.length ? { alsoTasks: also } : {}),
    ...(task === 'pairsum' ? { pairsum: config.task.pairsum ?? DEFAULT_PAIRSUM_SHAPE } : {}),
    task,
    prompt: promptOptionsOf(config.discussion),
  };
}

/** Cache folder of a recipe: a hash of every setting that changes the weights. */
export function recipeDir(recipe: BaseAgentRecipe, root = cacheRoot()): string {
  const key = createHash('sha256')
    .update(JSON.stringify(sortKeys(recipe)))
    .digest('hex')
    .slice(0, 16);
  return path.join(root, 'base-agents', `${recipe.task}-${recipe.preset}-${key}`);
}

/** The recipe with its keys sorted at every level: the same settings always hash and print alike. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}
