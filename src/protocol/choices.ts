// The closed sets of values that the config schema (configSchema.ts), the engine, the CLI, the
// extension and the panels all name. Each is listed once, as a tuple its union type is read from, so a
// new value is one edit here that the compiler then follows everywhere. No zod: webviews bundle this.

/** ONNX Runtime execution providers a run may ask for; `auto` tries CUDA, then CPU (runtime/session.ts). */
export const PROVIDER_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda'] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];
/** Providers a session can actually run on. */
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const satisfies readonly ProviderChoice[];
/** A provider a session actually runs on. */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** How frozen weights enter ONNX Runtime: embedded in every session, fed at each run, or by size (nn/frozen.ts). */
export const FROZEN_WEIGHTS = ['auto', 'embedded', 'fed'] as const;
export type FrozenWeightsChoice = (typeof FROZEN_WEIGHTS)[number];

/** Tasks generated from the seed (tasks/synthetic); base agents are prepared from these. */
export const BUILTIN_TASKS = ['arith', 'nli', 'pairsum'] as const;
export type BuiltinTask = (typeof BUILTIN_TASKS)[number];
/** Tasks read from JSONL files (tasks/loaders.ts). */
export const FILE_TASKS = ['gsm8k', 'nli-jsonl', 'generic'] as const;
export type FileTask = (typeof FILE_TASKS)[number];
/** Task types of the experiment config (`task.type`). */
export const TASK_TYPES = [...BUILTIN_TASKS, ...FILE_TASKS] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const isBuiltinTask = (type: string): type is BuiltinTask => (BUILTIN_TASKS as readonly string[]).includes(type);
export const isFileTask = (type: string): type is FileTask => (FILE_TASKS as readonly string[]).includes(type);

/** How agents share policies: one for all, one per agent, or one per turn (config `agents.policySharing`). */
export const POLICY_SHARINGS = ['shared', 'per-agent', 'per-turn'] as const;
export type PolicySharing = (typeof POLICY_SHARINGS)[number];

/** How a made-up wrong answer in base agents' later-turn SFT pairs goes wrong (base/sftData.ts). */
export const MADE_UP_ERRORS = ['final-answer', 'slip', 'near-miss'] as const;
export type MadeUpErrors = (typeof MADE_UP_ERRORS)[number];
