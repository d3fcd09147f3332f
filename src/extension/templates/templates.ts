// The templates `New Experiment…` offers: each writes a config (and data where it needs files) that
// trains as written. The built-in ones size a run that shows learning on two CPU cores in about ten
// minutes: the settings of `maporl demo --quick` (src/cli/commands/demo.ts), whose curves measurably
// move (docs/results.md, "The demo"), with base agents prepared by SFT as the run's first stage.
//
// Why the default rewards correctness and not a learned verifier: at the tiny size the agents learn to
// please the learned verifier (its score rises) while held-out accuracy does not (docs/results.md,
// rung 2); the built-in tasks have gold answers, so the ground truth is the reward that learns.
// Pure: returns file contents; the command writes them.
import type { BuiltinTask } from '../../protocol/choices';
import { BASE_AGENTS_MODEL, type MaporlConfigInput } from '../../protocol/configSchema';
import { MAPORL_ENV } from '../../protocol/environment';
import { experimentTemplate } from './experimentTemplate';

export type TemplateId = 'arith' | 'arith-learned' | 'nli' | 'user-data' | 'example-files';

export interface TemplateInfo {
  id: TemplateId;
  /** Quick-pick label, description (right of it) and detail (below it). */
  label: string;
  description: string;
  detail: string;
}

export const TEMPLATES: readonly TemplateInfo[] = [
  {
    id: 'arith',
    label: 'Built-in arithmetic, tiny agents',
    description: 'learns in about 10 minutes on 2 cores',
    detail:
      'Base agents prepared by SFT (first run only, then cached), 3 agents discuss for 3 turns, reward = correct answer. No files needed.',
  },
  {
    id: 'arith-learned',
    label: 'Built-in arithmetic, tiny agents, with a learned verifier',
    description: 'as in the paper; at this size the verifier gets gamed',
    detail:
      "A verifier trained on the base agents' answers scores them. Measured (docs/results.md): the agents learn to please it — its score rises while held-out accuracy does not.",
  },
  {
    id: 'nli',
    label: 'Built-in entailment (NLI), tiny agents',
    description: 'same shape, premise/hypothesis questions',
    detail:
      'Base agents prepared by SFT (cached), 3 agents × 3 turns, reward = correct label (entailment / neutral / contradiction).',
  },
  {
    id: 'user-data',
    label: 'Your data…',
    description: 'GSM8K or NLI JSONL files and a Hugging Face model',
    detail:
      'Choose training and test files and a model directory (config.json, model.safetensors, tokenizer.json); they are checked before the config is written.',
  },
  {
    id: 'example-files',
    label: 'Example word-problem files, untrained agents',
    description: 'shows the GSM8K file format; learns nothing',
    detail:
      'Writes 32 word problems as data/NAME-train.jsonl and -test.jsonl. Random tiny agents: a pipeline check that runs in a minute, with flat curves.',
  },
];

export const DEFAULT_TEMPLATE: TemplateId = 'arith';

/** A file a template writes, relative to the chosen folder. */
export interface TemplateFile {
  path: string;
  text: string;
}

export interface TemplateOutput {
  configPath: string;
  config: MaporlConfigInput;
  /** Data files to write beside the config (none for the built-in tasks). */
  data: TemplateFile[];
}

/**
 * The team and training of the built-in templates, those of `maporl demo --quick`: 3 agents × 3
 * turns with one shared policy, 50 iterations of 32 questions × 4 sampled discussions at T 0.7, and
 * evaluation on 200 held-out questions (before training, every 10 iterations, after). Below about
 * 256 sampled responses an iteration nothing measurable is learned (docs/results.md, "Diagnosis");
 * the quick demo's 50 iterations gained 4–6 points on the last turn (docs/results.md, "The demo"),
 * while one 40-iteration run of this template gained nothing. About 560 s of CPU time for 40
 * iterations with the SFT stage: 5–7 minutes on two quiet cores for 50.
 */
function builtin(name: string, task: BuiltinTask, verifier: MaporlConfigInput['verifier']): MaporlConfigInput {
  return {
    name,
    seed: 0,
    task: { type: task, nTrain: 2000, nTest: 200 },
    baseAgents: { preset: 'tiny', steps: 2200 },
    agents: { count: 3, models: [BASE_AGENTS_MODEL], policySharing: 'shared' },
    discussion: { turns: 3 },
    generation: { maxNewTokens: 48, temperature: 0.7 },
    verifier,
    training: { mode: 'maporl', iterations: 50, questionsPerIteration: 32, samplesPerQuestion: 4, ppo: { lr: 1e-4 } },
    eval: { every: 10, questions: 200 },
    checkpoint: { every: 10 },
  };
}

/**
 * The learned verifier as the quick demo trains it (`maporl demo --verifier learned`): on the base
 * agents' own trunk, low lr and small batches (1e-3 memorises the few hundred balanced pairs).
 */
const LEARNED_VERIFIER = {
  type: 'learned',
  model: BASE_AGENTS_MODEL,
  trainSamples: 2048,
  epochs: 3,
  lr: 1e-4,
  batchSize: 8,
} as const;

/** The files of a template that needs nothing but a name (all but "Your data…"). */
export function templateFiles(id: Exclude<TemplateId, 'user-data'>, name: string): TemplateOutput {
  const configPath = `${name}.maporl.json`;
  switch (id) {
    case 'arith':
      return { configPath, config: builtin(name, 'arith', { type: 'ground-truth' }), data: [] };
    case 'arith-learned':
      return { configPath, config: builtin(name, 'arith', LEARNED_VERIFIER), data: [] };
    case 'nli':
      return { configPath, config: builtin(name, 'nli', { type: 'ground-truth' }), data: [] };
    case 'example-files': {
      const f = experimentTemplate(name);
      return {
        configPath,
        config: JSON.parse(f.config) as MaporlConfigInput,
        data: [
          { path: f.trainPath, text: f.train },
          { path: f.testPath, text: f.test },
        ],
      };
    }
  }
}

/** The config file's text: 2-space JSON, final newline. */
export const configText = (config: MaporlConfigInput): string => `${JSON.stringify(config, null, 2)}\n`;

// ---- a test-only override ----------------------------------------------------------------------

/**
 * `MAPORL_TEMPLATE_OVERRIDES`: a JSON object merged into every template's config (and into the recipe
 * of Prepare Base Agents), so end-to-end tests can shrink the real templates to seconds
 * (`{"baseAgents": {"steps": 300}, "training": {"iterations": 3}}`). Unset in normal use; a value
 * that is not a JSON object is ignored.
 */
export function templateOverrides(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | null {
  const raw = env[MAPORL_ENV.templateOverrides];
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return isPlainObject(v) ? v : null;
  } catch {
    return null;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base` with `patch` merged in: objects key by key, anything else replaced. Inputs are not changed. */
export function deepMerge<T>(base: T, patch: Record<string, unknown> | null): T {
  if (!patch) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}
