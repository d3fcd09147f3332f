// One cell of the science suite: a row at one seed. Trains the team (unless the row is
// off-the-shelf), then evaluates it on the suite's fixed held-out questions twice: as the 3 x 3 team
// and as one agent answering alone (finding F3). Per-question majority credit is kept so that rows
// can be compared question by question (paired statistics in report.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { groundTruthVerifier, type Discussion, type VerifierFn } from '../../src/engine/maporl/discussion/discussion';
import { adoptionCounts, majorityByTurn, type AdoptionCounts } from '../../src/engine/maporl/discussion/discussionMetrics';
import { evaluate } from '../../src/engine/maporl/discussion/evaluate';
import { latestCheckpoint } from '../../src/engine/io/checkpoints';
import { loadCheckpointModel, readTrainerState } from '../../src/engine/maporl/run/checkpoint';
import { checkpointVerifier } from '../../src/engine/maporl/run/evalTeam';
import { promptOptionsOf, type PromptOptions } from '../../src/engine/maporl/discussion/prompts';
import type { RuntimeOptions } from '../../src/engine/runtime/session';
import type { MaporlConfig } from '../../src/engine/maporl/config';
import { policyIndex, type Sharing } from '../../src/engine/maporl/ppo/team';
import type { LearnedVerifier } from '../../src/engine/maporl/verifier/verifier';
import { train } from '../../src/engine/maporl/train/trainer';
import { resolveRuntime } from '../../src/engine/runtime/resolve';
import { LMRuntime } from '../../src/engine/generate/runtime';
import { loadModel, type CausalLM } from '../../src/engine/nn/model';
import { generateSplit } from '../../src/engine/tasks/synthetic';
import { answerKindOf } from '../../src/engine/tasks/types';
import { rungConfig } from '../ladder/rung';
import { baseTraining, TEXT_AGENTS, type Row } from './rows';

/** The held-out questions every row and seed is evaluated on (paired): the task's test split, fixed seed. */
export const EVAL_SPLIT_SEED = 20_250_218;
export const EVAL_TEMPERATURE = 0.7;

export interface EvalRecord {
  /**
   * Per turn: majority accuracy (ties split), mean agent accuracy, the oracle (at least one agent
   * right), transitions summed over agents. `oracle` is absent in cells recorded before it existed.
   */
  turns: { majority: number; meanAgent: number; oracle?: number; wrongToRight: number; rightToWrong: number }[];
  /** [turn][question] majority credit of that question (1, 0, or k/n for a tie). */
  credit: number[][];
  /** [turn][question] one bit per agent, agent a at bit a: who was right (absent in older cells). */
  correct?: number[][];
  /** Agents of the evaluation (absent in older cells). */
  agents?: number;
  /** Peer answers offered and taken over turns 2..T, right and wrong apart (absent in older cells). */
  adoption?: AdoptionCounts;
  /**
   * [turn][question] credit of the response the run's learned verifier scores highest at that turn
   * (ties split): reranking by the verifier instead of voting. Only in cells that show verifier
   * scores in their prompts, whose evaluations are scored by that verifier.
   */
  verifierPick?: number[][];
}

/** Responses of one agent at one turn, bit a of a `correct` entry: is agent a right? */
export const isRight = (bits: number, agent: number) => ((bits >> agent) & 1) === 1;

export interface CellResult {
  row: string;
  seed: number;
  /** What produced it: training overrides, evaluation size, scale. */
  setup: { train: Row['train']; evalQuestions: number; scale: number; evalTemperature: number };
  machine: string;
  finishedAt: string;
  seconds: { train: number; eval: number };
  team: EvalRecord;
  alone: EvalRecord;
  /**
   * Equal-compute voting: as many independent turn-1 samples per question as the team gives
   * responses (agents x turns), majority-voted (absent in older cells). Discussion has to beat this
   * to count as collaboration.
   */
  voting?: EvalRecord;
  /**
   * Rows that show verifier scores in the prompts: the base agents discussing with the same learned
   * verifier's scores shown (what the feedback does without co-training).
   */
  baseTeam?: EvalRecord;
  /** Mean reward per training iteration (empty for off-the-shelf). */
  trainReward: number[];
  /** The learned verifier's held-out AUC, when the row trains one. */
  verifierAuc: number | null;
  /** Its AUC between answers to one question (absent in older cells). */
  verifierWithinQuestionAuc?: number | null;
}

export interface CellOptions {
  row: Row;
  seed: number;
  /** The base agents' model directories: one for the whole team, or one per agent (then one policy per agent). */
  modelDirs: string[];
  evalQuestions: number;
  scale: number;
  /** Scratch folder for the run directory (deleted afterwards). */
  scratch: string;
  say: (line: string) => void;
}

export function machineLabel(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, Node ${process.versions.node}`;
}

/**
 * The verifier that checks (docs/results.md "A verifier that checks"): the learned verifier on the
 * base agents' trunk, trained on their sampled answers as above plus 60,000 labelled proposals
 * (verifier.taskProposals: solutions and near misses of 30,000 training questions), with the
 * settings that reached the highest within-question AUC in control/checker-settings.json.
 */
export const CHECKER_VERIFIER = { trainSamples: 2048, taskProposals: 60_000, epochs: 4, lr: 1e-3, batchSize: 32 } as const;
/** Training questions of the checker rows: enough for every proposal to come from a question of its own pair. */
const CHECKER_QUESTIONS = 50_000;

/** The experiment config of a cell: the row's training on top of the suite's, over the base agents `modelDirs`. */
export function cellConfig(row: Row, seed: number, modelDirs: string[], scale: number): MaporlConfig {
  const overrides = baseTraining(scale, row.train, row.long);
  if (row.trainTask && row.trainTask !== 'arith') overrides['task.type'] = row.trainTask;
  if (row.agents) overrides['agents.count'] = row.agents;
  if (modelDirs.length > 1) Object.assign(overrides, { 'agents.models': modelDirs, 'agents.policySharing': 'per-agent' });
  if (overrides.verifier === 'learned') {
    overrides.verifier = { type: 'learned', model: modelDirs[0], trainSamples: 2048, epochs: 3, lr: 1e-4, batchSize: 8 };
  } else if (overrides.verifier === 'checker') {
    overrides.verifier = { type: 'learned', model: modelDirs[0], ...CHECKER_VERIFIER };
    overrides['task.nTrain'] = CHECKER_QUESTIONS;
  }
  return suiteConfig(seed, modelDirs[0], overrides, row.base === 'text' ? TEXT_AGENTS.show : undefined);
}

/** The suite's config (rung 3 of the learning ladder) over the base agents `modelDir`, with `overrides` by dotted path. */
export function suiteConfig(
  seed: number,
  modelDir: string,
  overrides: Record<string, unknown>,
  show?: 'answer' | 'text',
): MaporlConfig {
  return rungConfig(
    {
      rung: 3,
      agentsDir: '',
      seed,
      iterations: 1,
      questionsPerIteration: 1,
      evalQuestions: 0,
      evalSeeds: [],
      evalTemperature: EVAL_TEMPERATURE,
      overrides,
      out: '',
      show,
    },
    modelDir,
  );
}

export async function runCell(o: CellOptions): Promise<CellResult> {
  const config = cellConfig(o.row, o.seed, o.modelDirs, o.scale);
  const sharing = config.agents.policySharing;
  const runtime = resolveRuntime({ config: config.runtime });
  const t0 = performance.now();
  const baseModels = o.modelDirs.map((dir) => () => loadModel(dir));
  let models: (() => Promise<CausalLM>)[] = baseModels;
  let trainReward: number[] = [];
  let verifierAuc: number | null = null;
  let verifierWithinQuestionAuc: number | null = null;
  let checkpoint: string | null = null;
  const out = path.join(o.scratch, `${o.row.id}-${o.seed}`);
  if (o.row.train !== 'none') {
    fs.rmSync(out, { recursive: true, force: true });
    o.say(`${o.row.id} seed ${o.seed}: training ${config.training.iterations} iterations…`);
    const summary = await train({ config, baseDir: process.cwd(), out });
    if (summary.status !== 'finished')
      throw new Error(`${o.row.id} seed ${o.seed}: training ${summary.status}: ${summary.message ?? ''}`);
    verifierAuc = summary.metrics.verifierAuc ?? null;
    verifierWithinQuestionAuc = summary.metrics.verifierWithinQuestionAuc ?? null;
    const events = fs
      .readFileSync(path.join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; split?: string; reward?: number });
    trainReward = events.filter((e) => e.type === 'metrics' && e.split === 'train').map((e) => e.reward!);
    checkpoint = latestCheckpoint(path.join(out, 'checkpoints'))!;
    const ckpt = checkpoint;
    models = Array.from({ length: readTrainerState(ckpt).policies }, (_, i) => () => loadCheckpointModel(ckpt, i));
  }
  const t1 = performance.now();
  o.say(`${o.row.id} seed ${o.seed}: evaluating on ${o.evalQuestions} held-out questions…`);
  const load = (ms: (() => Promise<CausalLM>)[]) => Promise.all(ms.map(async (m) => LMRuntime.create(await m(), { runtime })));
  const lms = await load(models);
  // Rows that show verifier scores in their prompts are evaluated as they trained: with the run's
  // own learned verifier scoring every response (never the ground truth, whose scores are the answers).
  const learned = config.discussion.feedVerifierScores
    ? await cellVerifier(checkpoint, promptOptionsOf(config.discussion), runtime)
    : null;
  const scoring: Scoring = learned
    ? { verifier: (pairs) => learned.score(pairs), feed: true }
    : { verifier: groundTruthVerifier, feed: false };
  try {
    const team = await heldOut(config, lms, sharing, o, config.agents.count, config.discussion.turns, scoring);
    const alone = await heldOut(config, lms, sharing, o, 1, 1, scoring);
    // Another sampling seed: the votes are fresh samples, not the team's own first answers.
    const responses = config.agents.count * config.discussion.turns;
    const voting = await heldOut(config, lms, sharing, o, responses, 1, scoring, 525_252);
    let baseTeam: EvalRecord | undefined;
    if (learned) {
      const base = await load(baseModels);
      try {
        baseTeam = await heldOut(config, base, sharing, o, config.agents.count, config.discussion.turns, scoring);
      } finally {
        await Promise.all(base.map((lm) => lm.release()));
      }
    }
    return {
      row: o.row.id,
      seed: o.seed,
      setup: { train: o.row.train, evalQuestions: o.evalQuestions, scale: o.scale, evalTemperature: EVAL_TEMPERATURE },
      machine: machineLabel(),
      finishedAt: new Date().toISOString(),
      seconds: { train: (t1 - t0) / 1000, eval: (performance.now() - t1) / 1000 },
      team,
      alone,
      voting,
      ...(baseTeam ? { baseTeam } : {}),
      trainReward,
      verifierAuc,
      ...(verifierWithinQuestionAuc === null ? {} : { verifierWithinQuestionAuc }),
    };
  } finally {
    await Promise.all(lms.map((lm) => lm.release()));
    await learned?.release();
    if (o.row.train !== 'none') fs.rmSync(out, { recursive: true, force: true });
  }
}

/** What scores the held-out responses, and whether the prompts show those scores. */
interface Scoring {
  verifier: VerifierFn;
  feed: boolean;
}

/** The learned verifier a trained cell's checkpoint holds (the one its prompts showed during training). */
async function cellVerifier(checkpoint: string | null, prompt: PromptOptions, runtime: RuntimeOptions): Promise<LearnedVerifier> {
  const v = checkpoint ? await checkpointVerifier(checkpoint, prompt, runtime) : null;
  if (!v) throw new Error('a row that shows verifier scores in its prompts must train, with a learned verifier');
  return v;
}

/** [turn][question] credit of the highest-scored response at each turn, ties split. */
export function verifierPicks(discussions: Discussion[], turns: number): number[][] {
  return Array.from({ length: turns }, (_, t) =>
    discussions.map((d) => {
      const row = d.turns[t];
      const best = Math.max(...row.map((r) => r.verifier));
      const top = row.filter((r) => r.verifier === best);
      return Math.round((1000 * top.filter((r) => r.correct).length) / top.length) / 1000;
    }),
  );
}

/** The team's (or one agent's) discussions on the suite's held-out questions, sampled with the cell's seed. */
async function heldOut(
  config: MaporlConfig,
  lms: LMRuntime[],
  sharing: Sharing,
  o: CellOptions,
  agents: number,
  turns: number,
  scoring: Scoring,
  seedBase = 424_242,
): Promise<EvalRecord> {
  const task = o.row.evalTask ?? 'arith';
  const records = generateSplit(task, 'test', o.evalQuestions, EVAL_SPLIT_SEED);
  const d = config.discussion;
  const r = await evaluate(records, 0, {
    agents,
    turns,
    prompt: { templates: d.templates, show: d.show, feedVerifierScores: scoring.feed },
    generation: { ...config.generation, temperature: EVAL_TEMPERATURE },
    seed: seedBase + o.seed,
    kind: answerKindOf(task),
    modelFor: (a, t) => lms[Math.min(lms.length - 1, policyIndex(sharing, a, t))],
    verifier: scoring.verifier,
  });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const outcomes = r.discussions.map((x) => ({
    answers: x.turns.map((row) => row.map((v) => v.answer)),
    correct: x.turns.map((row) => row.map((v) => v.correct)),
  }));
  const votes = outcomes.map(majorityByTurn);
  return {
    turns: r.table.turns.map((m) => ({
      majority: m.majorityAccuracy,
      meanAgent: m.meanAgentAccuracy,
      oracle: m.oracle,
      wrongToRight: sum(m.wrongToRight),
      rightToWrong: sum(m.rightToWrong),
    })),
    credit: Array.from({ length: turns }, (_, t) => votes.map((v) => Math.round(1000 * v[t].credit) / 1000)),
    agents,
    adoption: adoptionCounts(outcomes),
    correct: Array.from({ length: turns }, (_, t) =>
      r.discussions.map((x) => x.turns[t].reduce((bits, v, a) => bits | (v.correct ? 1 << a : 0), 0)),
    ),
    ...(scoring.feed ? { verifierPick: verifierPicks(r.discussions, turns) } : {}),
  };
}
