// Records of a run directory (design.md, "Run directory"), written by the engine and read by the
// extension and webviews: events.jsonl lines, transcripts.jsonl lines, summary.json and
// annotations.jsonl lines (their model: annotations.ts). Each has a validator (null or one line with the JSON path of the first
// problem) and a type guard. Turns and agents are 0-based indices everywhere (turn 0 = the
// independent first answers); `time` is an ISO 8601 string.

import { EXECUTION_PROVIDERS, PROVIDER_CHOICES, type ExecutionProvider, type ProviderChoice } from './choices';
import {
  all,
  arrayOf,
  bool,
  type Check,
  int,
  isObject,
  nullable,
  num,
  object,
  oneOf,
  optional,
  range,
  record,
  str,
  where,
} from './check';

// ---- discussion metrics --------------------------------------------------------------------

/** Metrics of one turn over a set of discussions. */
export interface TurnMetrics {
  /** Accuracy of the majority answer; a tie between k answers counts 1/k for each correct one. */
  majorityAccuracy: number;
  /** Mean over agents of each agent's accuracy. */
  meanAgentAccuracy: number;
  /**
   * Share of discussions in which at least one agent is right (the oracle's accuracy: what a perfect
   * checker of the agents' answers could reach). Absent in runs recorded before it existed.
   */
  oracle?: number;
  /** [A] accuracy of each agent. */
  agentAccuracy: number[];
  /** [A] discussions where the agent went wrong → right from the previous turn (0 at turn 0). */
  wrongToRight: number[];
  /** [A] discussions where the agent went right → wrong from the previous turn (0 at turn 0). */
  rightToWrong: number[];
}

/** A multi-agent evaluation: one TurnMetrics per turn. */
export interface EvalTable {
  step: number;
  questions: number;
  turns: TurnMetrics[];
}

const fraction = range(0, 1);
const perAgentCounts = arrayOf(int(0));
export const checkTurnMetrics: Check = object({
  majorityAccuracy: fraction,
  meanAgentAccuracy: fraction,
  oracle: optional(fraction),
  agentAccuracy: arrayOf(fraction),
  wrongToRight: perAgentCounts,
  rightToWrong: perAgentCounts,
});
export const checkEvalTable: Check = object({ step: int(0), questions: int(0), turns: arrayOf(checkTurnMetrics) });

// ---- events.jsonl ----------------------------------------------------------------------------

/** Lifecycle of a run as written in its events.jsonl (`{"type":"status","status":...}`). */
export const RUN_STATUSES = ['running', 'finished', 'failed', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * One optimisation step's metrics, the payload of a `{"type":"metrics"}` event (and what the dashboard
 * draws). Per-turn arrays have one entry per discussion turn (turn 0 = the agents' first answers).
 */
export interface MetricsPoint {
  step: number;
  time?: string;
  reward?: number | null;
  verifier?: (number | null)[];
  majorityAccuracy?: (number | null)[];
  kl?: number | null;
  entropy?: number | null;
  policyLoss?: number | null;
  valueLoss?: number | null;
  clipFraction?: number | null;
  tokensPerSecond?: number | null;
  /** With training.dynamicSampling: rounds of questions sampled, responses sampled, responses the update used. */
  dynamicSampling?: { rounds: number; sampled: number; updated: number };
}

const optionalNumber = optional(nullable(num));
const perTurn = optional(arrayOf(nullable(num)));
export const checkMetricsPoint: Check = object({
  step: num,
  time: optional(str),
  reward: optionalNumber,
  verifier: perTurn,
  majorityAccuracy: perTurn,
  kl: optionalNumber,
  entropy: optionalNumber,
  policyLoss: optionalNumber,
  valueLoss: optionalNumber,
  clipFraction: optionalNumber,
  tokensPerSecond: optionalNumber,
  dynamicSampling: optional(object({ rounds: num, sampled: num, updated: num })),
});
export const isMetricsPoint = (x: unknown): x is MetricsPoint => checkMetricsPoint(x, '') === null;

interface EventBase {
  /** Training iteration the event belongs to (0 before the first update). */
  step: number;
  time: string;
}

/** Metrics of one iteration (`split: "train"`, the default) or of an evaluation (`"eval"`). */
export interface MetricsEvent extends EventBase, Omit<MetricsPoint, 'step' | 'time'> {
  type: 'metrics';
  split?: 'train' | 'eval';
  /** [T] mean agent accuracy per turn. */
  meanAgentAccuracy?: (number | null)[];
  /** Evaluation table, on eval events. */
  turns?: TurnMetrics[];
  gradNorm?: number | null;
  /** Seconds spent in each phase of the iteration (generation, verifier, logprobs, update, …). */
  seconds?: Record<string, number>;
}

export interface StatusEvent extends EventBase {
  type: 'status';
  status: RunStatus;
  message?: string;
  /** Planned number of iterations, on the first status event. */
  totalSteps?: number;
}

export interface LogEvent extends EventBase {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  /** Relative to the run directory: `checkpoints/step-000010`. */
  path: string;
}

/**
 * What ONNX Runtime sessions of a job ran on (engine/runtime/resolve.ts): written when the first
 * session starts and again whenever a later one runs differently (e.g. a provider that started for
 * one graph and not for another). A fallback to the CPU carries ORT's reason.
 */
export interface RuntimeInfo {
  /** The provider the config, the flags or the environment asked for. */
  asked: ProviderChoice;
  /** The provider the session runs on. */
  used: ExecutionProvider;
  /** Why `used` is not what was asked (one line of ORT's error), null when it is. */
  fallback: string | null;
  /** The device, where it is known: the CPU's model name for `cpu`; null for GPUs, whose adapter ORT's Node binding does not report. */
  device: string | null;
  /** Intra-op threads asked for; 0 lets ORT use one per physical core. */
  threads: number;
  /** onnxruntime-node's version. */
  ortVersion: string;
  /** The part of the job, where it has several (`base-agents`: the SFT of a config's baseAgents section). */
  stage?: string;
}

export const checkRuntimeInfo: Check = object({
  asked: oneOf(PROVIDER_CHOICES),
  used: oneOf(EXECUTION_PROVIDERS),
  fallback: nullable(str),
  device: nullable(str),
  threads: int(0),
  ortVersion: str,
  stage: optional(str),
});

/** One line: `cpu (AMD EPYC 7B13), asked for webgpu, 2 threads, onnxruntime-node 1.30.0 — <the fallback's reason>`. */
export function describeRuntime(r: RuntimeInfo): string {
  const parts = [`${r.used}${r.device ? ` (${r.device})` : ''}`];
  if (r.asked !== r.used && r.asked !== 'auto') parts.push(`asked for ${r.asked}`);
  parts.push(r.threads ? `${r.threads} thread${r.threads === 1 ? '' : 's'}` : 'one thread per core');
  parts.push(`onnxruntime-node ${r.ortVersion}`);
  return `${r.stage ? `${r.stage}: ` : ''}${parts.join(', ')}${r.fallback ? ` — ${r.fallback}` : ''}`;
}

export interface RuntimeEvent extends EventBase, RuntimeInfo {
  type: 'runtime';
}

/**
 * Progress of a stage: `base-agents` is the SFT of base agents, the stage before a run's first
 * iteration (a config's baseAgents section, engine/maporl/train/trainer.ts) or `maporl prepare-agents`
 * on its own (sent to the parent only, there is no run directory). About twenty `running` events
 * while it fine-tunes, then one `prepared` (its SFT ran now) or `reused` (the cache held the agents,
 * no SFT ran).
 */
export interface BaseAgentsStageEvent extends EventBase {
  type: 'stage';
  stage: 'base-agents';
  state: 'running' | 'prepared' | 'reused';
  /** SFT steps done, of `total`. */
  done: number;
  total: number;
  /** The SFT loss at step `done`; null at the end or when not finite. */
  loss: number | null;
  /** The prepared agents' model directory, at the end. */
  dir?: string;
}

/**
 * Progress of `maporl compare` (sent to the parent only: a comparison has no run directory): one
 * `running` event as each side's evaluation starts, or one `reused` when a saved comparison answers.
 */
export interface CompareStageEvent extends EventBase {
  type: 'stage';
  stage: 'compare';
  state: 'running' | 'reused';
  /** Sides evaluated before this one (its 0-based index), of `total`; `total` when reused. */
  done: number;
  total: number;
  /** The line the CLI prints for it: `evaluating side 1 (2 of 3): …`, `using the saved comparison …`. */
  message: string;
  /** The saved comparison's directory, when reused. */
  dir?: string;
}

export type StageEvent = BaseAgentsStageEvent | CompareStageEvent;

export type RunEvent = MetricsEvent | StatusEvent | LogEvent | CheckpointEvent | RuntimeEvent | StageEvent;

/**
 * What the engine sends its parent over IPC when it runs as a child with a channel (the extension's
 * job manager): the records a run directory receives, as they are written (engine/io/parentChannel.ts).
 */
export type EngineMessage = { kind: 'event'; event: RunEvent } | { kind: 'transcript'; record: TranscriptRecord };

export const isoTime = where((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 time string');
const eventBase = { step: int(0), time: isoTime };
const checkBaseAgentsStage = object({
  ...eventBase,
  stage: oneOf(['base-agents']),
  state: oneOf(['running', 'prepared', 'reused']),
  done: int(0),
  total: int(0),
  loss: nullable(num),
  dir: optional(str),
});
const checkCompareStage = object({
  ...eventBase,
  stage: oneOf(['compare']),
  state: oneOf(['running', 'reused']),
  done: int(0),
  total: int(0),
  message: str,
  dir: optional(str),
});
const EVENT_CHECKS: Record<RunEvent['type'], Check> = {
  metrics: all(
    object({
      ...eventBase,
      split: optional(oneOf(['train', 'eval'])),
      meanAgentAccuracy: perTurn,
      turns: optional(arrayOf(checkTurnMetrics)),
      gradNorm: optional(nullable(num)),
      seconds: optional(record(num)),
    }),
    checkMetricsPoint,
  ),
  status: object({ ...eventBase, status: oneOf(RUN_STATUSES), message: optional(str), totalSteps: optional(int(0)) }),
  log: object({ ...eventBase, level: oneOf(['info', 'warn', 'error']), message: str }),
  checkpoint: object({ ...eventBase, path: str }),
  runtime: all(object(eventBase), checkRuntimeInfo),
  stage: (x, p) => (isObject(x) && x.stage === 'compare' ? checkCompareStage : checkBaseAgentsStage)(x, p),
};

/** Null when `x` is a RunEvent; else the problem. Unknown event types are a problem here (readers may skip them). */
export function validateRunEvent(x: unknown): string | null {
  if (!isObject(x)) return '$: expected an object';
  const check = EVENT_CHECKS[x.type as RunEvent['type']];
  return check ? check(x, '') : `type: unknown event type ${JSON.stringify(x.type)}`;
}
export const isRunEvent = (x: unknown): x is RunEvent => validateRunEvent(x) === null;

// ---- transcripts.jsonl -----------------------------------------------------------------------

/** One agent's response in one turn. */
export interface TranscriptResponseRecord {
  agent: number;
  text: string;
  /** The extracted, normalised final answer; null when the response states none. */
  answer: string | null;
  /** Ground-truth grade. */
  correct: boolean;
  /** Verifier score in [0, 1]. */
  verifier: number;
  /** The scalar reward PPO used for this response; null where it was not trained on. */
  reward: number | null;
}

/** One discussion, one line of transcripts.jsonl (field names as in design.md). */
export interface TranscriptRecord {
  id: string;
  step: number;
  split: 'train' | 'eval';
  question: string;
  /** Normalised gold answer. */
  answer: string;
  source: { file: string; line: number };
  /** [T][A] responses. */
  turns: TranscriptResponseRecord[][];
  /** [T] majority answer per turn (the first of tied answers; null when no agent answered). */
  majority: (string | null)[];
  /** [T] whether that majority answer is correct. */
  majorityCorrect: boolean[];
  /** [T] majority credit with ties split evenly (what majorityAccuracy averages); optional. */
  majorityCredit?: number[];
  /** Which of the iteration's independent discussions of this question (training.samplesPerQuestion); absent for the first or only one. */
  sample?: number;
}

const checkResponse = object({
  agent: int(0),
  text: str,
  answer: nullable(str),
  correct: bool,
  verifier: fraction,
  reward: nullable(num),
});
const checkTranscriptFields = object({
  id: str,
  step: int(0),
  split: oneOf(['train', 'eval']),
  question: str,
  answer: str,
  source: object({ file: str, line: int(1) }),
  turns: arrayOf(arrayOf(checkResponse)),
  majority: arrayOf(nullable(str)),
  majorityCorrect: arrayOf(bool),
  majorityCredit: optional(arrayOf(fraction)),
  sample: optional(int(0)),
});

export function validateTranscriptRecord(x: unknown): string | null {
  const problem = checkTranscriptFields(x, '');
  if (problem) return problem;
  const r = x as TranscriptRecord;
  const T = r.turns.length;
  if (T === 0) return 'turns: expected at least one turn';
  const A = r.turns[0].length;
  for (let t = 0; t < T; t++) {
    if (r.turns[t].length !== A) return `turns[${t}]: ${r.turns[t].length} responses, turn 0 has ${A}`;
  }
  for (const key of ['majority', 'majorityCorrect', 'majorityCredit'] as const) {
    const arr = r[key];
    if (arr !== undefined && arr.length !== T) return `${key}: ${arr.length} entries for ${T} turns`;
  }
  return null;
}
export const isTranscriptRecord = (x: unknown): x is TranscriptRecord => validateTranscriptRecord(x) === null;
export const checkTranscriptRecord: Check = where(isTranscriptRecord, 'expected a transcript record');

// ---- summary.json ----------------------------------------------------------------------------

export interface RunSummary {
  name: string;
  status: Exclude<RunStatus, 'running'>;
  mode: 'none' | 'single-agent' | 'maporl';
  /** Iterations completed. */
  steps: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** Evaluation before training and after the last iteration (null when not run). */
  before: EvalTable | null;
  after: EvalTable | null;
  /** Final scalar metrics (e.g. verifier AUC, last reward). */
  metrics: Record<string, number | null>;
  /** Why the run failed or stopped. */
  message?: string;
}

const checkSummary = object({
  name: str,
  status: oneOf(RUN_STATUSES.filter((s) => s !== 'running')),
  mode: oneOf(['none', 'single-agent', 'maporl']),
  steps: int(0),
  startedAt: isoTime,
  finishedAt: isoTime,
  seconds: all(
    num,
    where((v) => (v as number) >= 0, 'expected seconds >= 0'),
  ),
  before: nullable(checkEvalTable),
  after: nullable(checkEvalTable),
  metrics: record(nullable(num)),
  message: optional(str),
});
export const validateRunSummary = (x: unknown): string | null => checkSummary(x, '');
export const isRunSummary = (x: unknown): x is RunSummary => validateRunSummary(x) === null;
