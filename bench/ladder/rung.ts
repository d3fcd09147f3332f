// The learning ladder: does PPO make agents better on questions it never trained on?
// Each rung trains SFT'd `tiny` agents on the built-in arithmetic task and measures held-out
// accuracy (fresh test questions, several sampling seeds) of the base agents and of the trained
// ones, in the same process:
//   1. one agent, one turn, ground-truth reward;   2. the same with the learned verifier;
//   3. three agents, three turns, shared policy;    4. the same with per-agent policies.
// The command line: bench/ladder.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_RECIPE, prepareBaseAgents, sftStage } from '../../src/engine/maporl/train/baseAgents';
import { parseConfig, type MaporlConfig } from '../../src/engine/maporl/config';
import { groundTruthVerifier } from '../../src/engine/maporl/discussion/discussion';
import { evaluate } from '../../src/engine/maporl/discussion/evaluate';
import { latestCheckpoint } from '../../src/engine/io/checkpoints';
import { loadCheckpointModel, readTrainerState } from '../../src/engine/maporl/run/checkpoint';
import { policyIndex, type Sharing } from '../../src/engine/maporl/ppo/team';
import { train } from '../../src/engine/maporl/train/trainer';
import { LMRuntime } from '../../src/engine/generate/runtime';
import { loadModel, type CausalLM } from '../../src/engine/nn/model';
import { DEFAULT_PAIRSUM_SHAPE, generateSplit } from '../../src/engine/tasks/synthetic';
import type { BuiltinTask, MadeUpErrors } from '../../src/protocol/choices';
import { DiscussionSchema, type MaporlConfigInput } from '../../src/protocol/configSchema';
import { sftRecords } from '../../src/engine/maporl/base/sftData';

/** The demo's discussion format (question last in later turns), which the base agents are SFT'd on. */
export const LADDER_DISCUSSION = { turns: 3, templates: { later: 'You: {own}\nOthers: {others}\n{question}\nA:' } };

export interface RungOptions {
  rung: 1 | 2 | 3 | 4;
  agentsDir: string;
  /** SFT steps of the base agents (default: the demo's recipe). */
  sftSteps?: number;
  /** Share of the base agents' SFT pairs in the later-turn format (default: the demo's recipe). */
  discussionFraction?: number;
  /** How made-up wrong answers in their SFT pairs go wrong (default: the demo's recipe). */
  madeUpErrors?: MadeUpErrors;
  /** How later-turn prompts show previous responses, in SFT and in the run (default: by answer). */
  show?: 'answer' | 'text';
  seed: number;
  iterations: number;
  questionsPerIteration: number;
  evalQuestions: number;
  evalSeeds: number[];
  evalTemperature: number;
  /** Config overrides by dotted path. */
  overrides?: Record<string, unknown>;
  out: string;
  say?: (line: string) => void;
}

export interface RungResult {
  rung: number;
  seed: number;
  /** Final-turn majority accuracy per evaluation seed, before (base agents) and after training. */
  before: number[];
  after: number[];
  /** Per-turn majority accuracy, averaged over evaluation seeds. */
  beforeByTurn: number[];
  afterByTurn: number[];
  trainReward: number[];
  seconds: number;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
}

/** The experiment config of a rung. */
export function rungConfig(o: RungOptions, modelDir: string): MaporlConfig {
  const single = o.rung <= 2;
  const c: Record<string, unknown> = {
    name: `ladder-rung-${o.rung}`,
    seed: o.seed,
    task: { type: 'arith', nTrain: 2000, nTest: 20 },
    agents: { count: single ? 1 : 3, models: [modelDir], policySharing: o.rung === 4 ? 'per-agent' : 'shared' },
    discussion: { ...ladderDiscussion(o.show), turns: single ? 1 : 3 },
    generation: { maxNewTokens: 48, temperature: 0.7 },
    verifier:
      o.rung === 2
        ? { type: 'learned', model: modelDir, trainSamples: 2048, epochs: 3, lr: 1e-4, batchSize: 8 }
        : { type: 'ground-truth' },
    training: { mode: 'maporl', iterations: o.iterations, questionsPerIteration: o.questionsPerIteration },
    eval: { every: 0, questions: 20 },
    checkpoint: { every: 0 },
  } satisfies MaporlConfigInput;
  for (const [k, v] of Object.entries(o.overrides ?? {})) setPath(c, k, v);
  return parseConfig(c, `ladder rung ${o.rung}`);
}

/** Majority accuracy by turn of a team (one LMRuntime per policy) on fresh test questions. */
async function heldOut(config: MaporlConfig, lms: LMRuntime[], sharing: Sharing, o: RungOptions): Promise<number[][]> {
  const records = generateSplit('arith', 'test', o.evalQuestions, 1_000_003 + o.seed);
  const d = config.discussion;
  const out: number[][] = [];
  for (const s of o.evalSeeds) {
    const r = await evaluate(records, 0, {
      agents: config.agents.count,
      turns: d.turns,
      prompt: { templates: d.templates, show: d.show, feedVerifierScores: false },
      generation: { ...config.generation, temperature: o.evalTemperature },
      seed: 424242 + s,
      kind: 'number',
      modelFor: (a, t) => lms[policyIndex(sharing, a, t)],
      verifier: groundTruthVerifier,
    });
    out.push(r.table.turns.map((m) => m.majorityAccuracy));
  }
  return out;
}

async function teamOf(models: Promise<CausalLM>[]): Promise<LMRuntime[]> {
  return Promise.all(models.map(async (m) => LMRuntime.create(await m)));
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const byTurn = (rows: number[][]) => rows[0].map((_, t) => meanOf(rows.map((r) => r[t])));

/** How base agents differ from the demo's recipe: SFT steps, other tasks in the SFT data, the preset, the share of later-turn pairs. */
export interface BaseAgentsVariant {
  /** The task of the SFT data (default arith). */
  task?: BuiltinTask;
  /** SFT pairs (default: the demo's recipe). */
  examples?: number;
  /** Seed of the fresh model and of the SFT data (default 0): a second base agent of the same recipe. */
  seed?: number;
  steps?: number;
  alsoTasks?: BuiltinTask[];
  preset?: string;
  discussionFraction?: number;
  madeUpErrors?: MadeUpErrors;
  /** How previous responses are shown in later-turn prompts (default: by final answer). */
  show?: 'answer' | 'text';
  /**
   * Later-turn SFT prompts show a score beside each previous response (sftData.ts: right ones in
   * [0.5, 1), wrong ones in [0, 0.5)), so agents meet the format of discussion.feedVerifierScores.
   */
  scores?: boolean;
}

/** The ladder's discussion section for base agents of a variant: full responses are separated by " | ". */
export function ladderDiscussion(show: 'answer' | 'text' = 'answer') {
  return show === 'answer'
    ? LADDER_DISCUSSION
    : { ...LADDER_DISCUSSION, show, templates: { ...LADDER_DISCUSSION.templates, separator: ' | ' } };
}

/** SFT'd base agents in `dir` (the demo's recipe on arithmetic, varied by `variant`), made once and reused. */
export async function ensureBaseAgents(dir: string, say: (l: string) => void, variant: BaseAgentsVariant = {}): Promise<string> {
  const modelDir = path.join(dir, 'sft', 'model');
  const stamp = path.join(dir, 'recipe.json');
  const steps = variant.steps ?? DEMO_RECIPE.steps;
  const preset = variant.preset ?? DEMO_RECIPE.preset;
  // Only the fields a variant sets: the stamp of the demo's tiny recipe keeps its old form, so caches
  // made before recipes varied stay valid.
  const { alsoTasks, discussionFraction, madeUpErrors, show, task, examples, seed, scores } = variant;
  const varied = {
    ...(task && task !== 'arith' ? { task } : {}),
    ...(examples !== undefined ? { examples } : {}),
    ...(seed ? { seed } : {}),
    ...(alsoTasks ? { alsoTasks } : {}),
    ...(discussionFraction !== undefined ? { discussionFraction } : {}),
    ...(madeUpErrors ? { madeUpErrors } : {}),
    ...(show && show !== 'answer' ? { show } : {}),
    ...(scores ? { scores } : {}),
  };
  // `show` and `scores` are prompt options, not the recipe's fields
  const { show: _show, scores: _scores, ...sftFields } = varied;
  const recipe = JSON.stringify({ ...DEMO_RECIPE, steps, ...(preset !== DEMO_RECIPE.preset ? { preset } : {}), ...varied });
  if (
    fs.existsSync(path.join(modelDir, 'model.safetensors')) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === recipe
  )
    return modelDir;
  say(`preparing ${preset} base agents in ${dir} (${steps} SFT steps)…`);
  const discussion = DiscussionSchema.parse(ladderDiscussion(show));
  fs.rmSync(dir, { recursive: true, force: true });
  const r = await prepareBaseAgents(dir, {
    ...DEMO_RECIPE,
    steps,
    preset,
    task: 'arith',
    seed: 0,
    prompt: { templates: discussion.templates, show: discussion.show, feedVerifierScores: scores ?? false },
    ...sftFields,
    ...(task === 'pairsum' ? { pairsum: DEFAULT_PAIRSUM_SHAPE } : {}),
  });
  fs.writeFileSync(stamp, recipe);
  return r.modelDir;
}

/** A second SFT stage on later-turn pairs only (rows.ts PAIRSUM_CHECKING_STAGE): its SFT settings and data. */
export interface LaterTurnStage {
  task: BuiltinTask;
  /** Later-turn pairs generated from the training split (seed `dataSeed`), and held-out ones from the test split. */
  examples: number;
  dataSeed: number;
  heldOutSeed: number;
  madeUpErrors: MadeUpErrors;
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  sftSeed: number;
}

/**
 * `fromModelDir` fine-tuned further on later-turn pairs only (every prompt shows made-up previous
 * answers, each right with probability 1/2; the completion is the worked solution), into
 * `dir/sft/model`; cached by the stage and the model it starts from. What `maporl data --format sft
 * --discussion-fraction 1` and `maporl sft` make from the same settings.
 */
export async function ensureLaterTurnStage(
  dir: string,
  fromModelDir: string,
  say: (l: string) => void,
  stage: LaterTurnStage,
): Promise<string> {
  const modelDir = path.join(dir, 'sft', 'model');
  const stamp = path.join(dir, 'recipe.json');
  const recipe = JSON.stringify({ from: fromModelDir, ...stage });
  if (
    fs.existsSync(path.join(modelDir, 'model.safetensors')) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === recipe
  )
    return modelDir;
  say(`preparing a later-turn SFT stage in ${dir} (${stage.steps} steps from ${fromModelDir})…`);
  fs.rmSync(dir, { recursive: true, force: true });
  const opts = { discussionFraction: 1, madeUpErrors: stage.madeUpErrors };
  const { modelDir: made } = await sftStage(
    dir,
    fromModelDir,
    sftRecords(stage.task, 'train', stage.examples, stage.dataSeed, opts),
    sftRecords(stage.task, 'test', 500, stage.heldOutSeed, opts),
    { steps: stage.steps, lr: stage.lr, batchSize: stage.batchSize, warmupSteps: stage.warmupSteps, seed: stage.sftSeed },
    { executionProvider: 'cpu', threads: 1 },
  );
  fs.writeFileSync(stamp, recipe);
  return made;
}

export async function runRung(o: RungOptions): Promise<RungResult> {
  const say = o.say ?? (() => undefined);
  const t0 = performance.now();
  const modelDir = await ensureBaseAgents(o.agentsDir, say, {
    steps: o.sftSteps,
    discussionFraction: o.discussionFraction,
    madeUpErrors: o.madeUpErrors,
    show: o.show,
  });
  const config = rungConfig(o, modelDir);
  const sharing = config.agents.policySharing;
  const nPolicies = sharing === 'per-agent' ? config.agents.count : 1;
  const base = await teamOf(Array.from({ length: nPolicies }, () => loadModel(modelDir)));
  const before = await heldOut(config, base, sharing, o);
  await Promise.all(base.map((lm) => lm.release()));
  fs.rmSync(o.out, { recursive: true, force: true });
  const summary = await train({ config, baseDir: process.cwd(), out: o.out });
  if (summary.status !== 'finished') throw new Error(`rung ${o.rung}: training ${summary.status}: ${summary.message ?? ''}`);
  const ckpt = latestCheckpoint(path.join(o.out, 'checkpoints'))!;
  const state = readTrainerState(ckpt);
  const trained = await teamOf(Array.from({ length: state.policies }, (_, i) => loadCheckpointModel(ckpt, i)));
  const after = await heldOut(config, trained, sharing, o);
  await Promise.all(trained.map((lm) => lm.release()));
  const events = fs
    .readFileSync(path.join(o.out, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; split?: string; reward?: number });
  const trainReward = events.filter((e) => e.type === 'metrics' && e.split === 'train').map((e) => e.reward!);
  const last = (rows: number[][]) => rows.map((r) => r[r.length - 1]);
  return {
    rung: o.rung,
    seed: o.seed,
    before: last(before),
    after: last(after),
    beforeByTurn: byTurn(before),
    afterByTurn: byTurn(after),
    trainReward,
    seconds: (performance.now() - t0) / 1000,
  };
}
