// The team an evaluation puts to the test (`maporl eval`, `maporl compare`): a checkpoint's
// policies with its learned verifier, or base models, and how it is evaluated by default (the
// run's own sampling and prompts). The shape (size, turns, sharing) is read first and cheaply, from
// trainer_state.json; the weights only when the team is about to speak.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentsSchema, DiscussionSchema, GenerationSchema } from '../../../protocol/configSchema';
import { LMRuntime, type GenerateOptions } from '../../generate/runtime';
import { checkpointDamage } from '../../io/checkpointManifest';
import { latestCheckpoint } from '../../io/checkpoints';
import { ModelFileError } from '../../io/errors';
import type { CausalLM } from '../../nn/model';
import type { RuntimeOptions } from '../../runtime/session';
import type { AnswerKind } from '../../tasks/answers';
import type { TaskRecord } from '../../tasks/types';
import { loadCheckpointModel, loadCheckpointVerifier, readTrainerState } from './checkpoint';
import { loadConfig, type MaporlConfig } from '../config';
import { groundTruthVerifier, type VerifierFn } from '../discussion/discussion';
import { evaluate, type EvalResult } from '../discussion/evaluate';
import { defaultPromptOptions, promptOptionsOf, type PromptOptions } from '../discussion/prompts';
import { policyIndex, resolveModel, type Sharing } from '../ppo/team';
import { LearnedVerifier } from '../verifier/verifier';

export interface TeamShape {
  sharing: Sharing;
  /** Models behind the agents (policies of a checkpoint). */
  policies: number;
  /** Team size and discussion length as the run trained them; for base models the config defaults. */
  agents: number;
  turns: number;
  verifier: 'learned' | 'ground-truth';
}

export interface LoadedTeam {
  models: CausalLM[];
  verifier: VerifierFn;
}

/** A checkpoint directory (refused when damaged), or the latest intact checkpoint of a run directory. */
export function findCheckpoint(given: string): string {
  if (fs.existsSync(path.join(given, 'trainer_state.json'))) {
    const damage = checkpointDamage(given);
    if (damage) throw new ModelFileError(given, `damaged checkpoint: ${damage}`);
    return given;
  }
  const dir = latestCheckpoint(path.join(given, 'checkpoints'));
  if (!dir) throw new ModelFileError(given, 'neither a checkpoint nor a run directory with intact checkpoints');
  return dir;
}

/** The run directory of a checkpoint RUN/checkpoints/step-N (the one holding config.json), if any. */
export function runDirOf(checkpointDir: string): string | undefined {
  const parent = path.dirname(path.resolve(checkpointDir));
  const run = path.dirname(parent);
  return path.basename(parent) === 'checkpoints' && fs.existsSync(path.join(run, 'config.json')) ? run : undefined;
}

/** RUN/config.json of a checkpoint, when it has a run. */
export function runConfigOf(checkpointDir: string): MaporlConfig | undefined {
  const run = runDirOf(checkpointDir);
  return run ? loadConfig(path.join(run, 'config.json')) : undefined;
}

export function checkpointShape(dir: string): TeamShape {
  const state = readTrainerState(dir);
  const sharing = state.policySharing as Sharing;
  // A per-agent checkpoint has one policy per agent: that is its team size.
  return {
    sharing,
    policies: state.policies,
    agents: sharing === 'per-agent' ? state.policies : state.agents,
    turns: state.turns,
    verifier: state.verifier,
  };
}

/** Base models: one shared by the team, or one per agent. */
export function modelShape(specs: readonly string[]): TeamShape {
  const defaults = { agents: AgentsSchema.parse({}).count, turns: DiscussionSchema.parse({}).turns };
  return {
    sharing: specs.length > 1 ? 'per-agent' : 'shared',
    policies: specs.length,
    agents: specs.length > 1 ? specs.length : defaults.agents,
    turns: defaults.turns,
    verifier: 'ground-truth',
  };
}

/** A checkpoint's learned verifier, its session on `runtime` (null when the run had none). */
export async function checkpointVerifier(
  dir: string,
  prompt: PromptOptions,
  runtime: RuntimeOptions,
): Promise<LearnedVerifier | null> {
  const v = await loadCheckpointVerifier(dir);
  return v ? new LearnedVerifier(v.config, v.tokenizer, v.weights, runtime, prompt.templates.first) : null;
}

/**
 * A checkpoint's policies (LoRA adapters merged into their base) and its learned verifier (its
 * sessions on `runtime`), or the ground truth when the run had none.
 */
export async function loadCheckpointTeam(dir: string, prompt: PromptOptions, runtime: RuntimeOptions): Promise<LoadedTeam> {
  const { policies } = readTrainerState(dir);
  // Without the run's learned verifier the ground truth would score responses, and shown in
  // prompts those scores are the answer key (the config check refuses ground-truth runs).
  const lv = await checkpointVerifier(dir, prompt, runtime);
  if (prompt.feedVerifierScores && !lv) {
    throw new ModelFileError(
      dir,
      'the run shows verifier scores in prompts (discussion.feedVerifierScores) but the checkpoint has no learned verifier; ground-truth scores would give away the answers',
    );
  }
  const verifier: VerifierFn = lv ? (pairs) => lv.score(pairs) : groundTruthVerifier;
  const models: CausalLM[] = [];
  for (let i = 0; i < policies; i++) models.push(await loadCheckpointModel(dir, i));
  return { models, verifier };
}

/** Decoding and prompts of an evaluation. */
export interface EvalSettings {
  generation: Omit<GenerateOptions, 'seed'>;
  prompt: PromptOptions;
}

/**
 * What an evaluation samples with and how it prompts by default: a run's own settings (as its
 * training-time evaluations used them: eval.temperature, else generation's), else the config
 * schema's defaults, so base models are evaluated as a default run would evaluate them.
 */
export function evalSettingsOf(runConfig: MaporlConfig | undefined): EvalSettings {
  const gen = runConfig?.generation ?? GenerationSchema.parse({});
  return {
    generation: {
      maxNewTokens: gen.maxNewTokens,
      temperature: runConfig?.eval.temperature ?? gen.temperature,
      topP: gen.topP,
      topK: gen.topK,
    },
    prompt: runConfig ? promptOptionsOf(runConfig.discussion) : defaultPromptOptions(),
  };
}

/**
 * How a loaded team discusses: its size, turns and policy sharing, sampling, prompts, and its
 * sessions' provider, threads and frozen weights (runtime/resolve.ts).
 */
export interface TeamSettings extends EvalSettings {
  sharing: Sharing;
  agents: number;
  turns: number;
  runtime: RuntimeOptions;
}

/**
 * Evaluates a loaded team on `records` (evaluate.ts: one discussion per question, sampling seeded by
 * `seed`), its models in generation runtimes released at the end.
 */
export async function evaluateTeam(
  records: readonly TaskRecord[],
  team: LoadedTeam,
  s: TeamSettings,
  o: { step: number; seed: number; kind: AnswerKind; onProgress?: (questionsDone: number, questions: number) => void },
): Promise<EvalResult> {
  const lms = await Promise.all(team.models.map((m) => LMRuntime.create(m, { runtime: s.runtime })));
  try {
    return await evaluate(
      records,
      o.step,
      {
        agents: s.agents,
        turns: s.turns,
        seed: o.seed,
        kind: o.kind,
        verifier: team.verifier,
        prompt: s.prompt,
        generation: s.generation,
        modelFor: (a, t) => lms[policyIndex(s.sharing, a, t)],
      },
      o.onProgress,
    );
  } finally {
    await Promise.all(lms.map((lm) => lm.release()));
  }
}

/** Base models from preset names or model directories (relative to `baseDir`); `seed` initialises presets. */
export async function loadModelTeam(specs: readonly string[], seed: number, baseDir: string): Promise<LoadedTeam> {
  const models: CausalLM[] = [];
  for (const s of specs) models.push((await resolveModel(s, seed, baseDir)).model);
  return { models, verifier: groundTruthVerifier };
}
