// Messages between the extension host and the dashboard webview, typed once and shared by both sides.
// Every message is checked on arrival with the guards below: an unknown or malformed message is
// dropped and logged, never acted on. Pure types and functions only (the webview bundles this file).

import { checkDiscussionKey } from './annotations';
import { arrayOf, bool, int, nullable, num, object, oneOf, optional, str } from './check';
import { type Check, jsonPointer, messageValidator, passes, where } from './check';
import {
  checkMetricsPoint,
  checkRuntimeInfo,
  RUN_STATUSES,
  type MetricsPoint,
  type RunStatus,
  type RuntimeInfo,
  type TranscriptRecord,
  type TranscriptResponseRecord,
} from './runRecords';

/** Fields `K` of `T` that may also be null. */
type OrNull<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };

/**
 * One agent's response as the dashboard shows it: a transcripts.jsonl response (runRecords.ts), except
 * that its grades may be unknown (null, drawn as "?") and its agent may be named.
 */
export type TranscriptResponse = Omit<OrNull<TranscriptResponseRecord, 'correct' | 'verifier'>, 'agent'> & {
  agent: number | string;
};

/**
 * One discussion as the dashboard shows it: a transcripts.jsonl record (so every record is a view), whose
 * source may be absent and whose per-turn grades may be unknown. `source.line` is 1-based.
 */
export type TranscriptView = Pick<TranscriptRecord, 'id' | 'step' | 'split' | 'sample' | 'question' | 'answer' | 'majority'> &
  Partial<Pick<TranscriptRecord, 'source'>> & { turns: TranscriptResponse[][]; majorityCorrect: (boolean | null)[] };

/** What the summary strip shows; derived by the host from the run's events and config. */
export interface RunHeader {
  runDir: string;
  name: string;
  status: RunStatus | 'unknown';
  step: number;
  totalSteps: number | null;
  startedAt: string | null;
  updatedAt: string | null;
  /** Seconds to the last step at the recent rate, null when unknown. */
  etaSeconds: number | null;
  /** The provider the run's config asks for (`runtime.executionProvider`); shown until `runtime` says what ran. */
  executionProvider: string | null;
  /** What the run's sessions ran on (its `runtime` events; a fallback stays shown); absent before the first. */
  runtime?: RuntimeInfo;
  /** Last error or status message of the run, if any. */
  message: string | null;
  /** Scalar config values, flattened: JSON pointer (`/ppo/lr`) and printed value. */
  config: { pointer: string; value: string }[];
  /** The base-agent stage (config `baseAgents`) as its log lines tell it; absent when the run has none. */
  baseStage?: BaseStageView;
  /** The evaluation before and after training (summary.json), once the run has ended; absent before. */
  outcome?: RunOutcome;
  /** Labels in the run's annotations.jsonl (absent: none). */
  labels?: LabelSummary;
}

/** Label counts of a run's annotations.jsonl. */
export interface LabelSummary {
  total: number;
  notes: number;
  annotators: number;
  /** Most used first. */
  byLabel: { label: string; count: number }[];
}

/** The base-agent stage: SFT step of total, the logged losses, and whether it has ended. */
export interface BaseStageView {
  step: number;
  total: number;
  losses: { step: number; loss: number }[];
  done: boolean;
  reused: boolean;
}

/** One turn of an evaluation table, summed over agents where the record is per agent. */
export interface TurnRow {
  majorityAccuracy: number;
  meanAgentAccuracy: number;
  wrongToRight: number;
  rightToWrong: number;
}

/** Before and after training, one row per turn (either may be missing: a stopped run has no after). */
export interface RunOutcome {
  before: TurnRow[] | null;
  after: TurnRow[] | null;
  questions: number | null;
}

// ---- host -> webview -------------------------------------------------------------------------

/** Replaces everything the panel shows (first load, reload of the run, panel restored). */
export interface SnapshotMessage {
  type: 'snapshot';
  header: RunHeader;
  /** Training iterations (`split` "train"). */
  metrics: MetricsPoint[];
  /** Evaluations on the test split (`split` "eval"), a curve of their own over the same steps. */
  evalMetrics: MetricsPoint[];
  transcripts: TranscriptView[];
}
/** What arrived since the last message, batched by the host (a few per second at most). */
export interface AppendMessage {
  type: 'append';
  header: RunHeader;
  metrics: MetricsPoint[];
  evalMetrics: MetricsPoint[];
  transcripts: TranscriptView[];
}
export type HostToWebview = SnapshotMessage | AppendMessage;

// ---- webview -> host -------------------------------------------------------------------------

/** The page has (re)loaded and wants a snapshot of this run. */
export interface ReadyMessage {
  type: 'ready';
  runDir: string;
}
/** Open a dataset file at a 1-based line, beside the panel. The host checks the path. */
export interface OpenSourceMessage {
  type: 'openSource';
  runDir: string;
  file: string;
  line: number;
}
/** Open the run's config at the place of a JSON pointer. */
export interface OpenConfigMessage {
  type: 'openConfig';
  runDir: string;
  pointer: string;
}
/** Run one of the commands a page may offer (the empty states' and banners' buttons). */
export interface RunCommandMessage {
  type: 'runCommand';
  runDir: string;
  command: PageCommand;
}
/** Commands a dashboard may ask the host to run: Prepare Base Agents (SFT)…, Start Training. */
export const PAGE_COMMANDS = ['maporl.prepareBaseAgents', 'maporl.startTraining'] as const;
export type PageCommand = (typeof PAGE_COMMANDS)[number];
/** Open the run's transcripts editor, selecting a discussion (its discussionKey) when given. */
export interface AnnotateMessage {
  type: 'annotate';
  runDir: string;
  key?: string;
}
export type WebviewToHost = ReadyMessage | OpenSourceMessage | OpenConfigMessage | RunCommandMessage | AnnotateMessage;

// ---- guards ---------------------------------------------------------------------------------

const MAX_PATH = 4096;
const path = where((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_PATH && !v.includes('\0'), 'expected a path');
const agent = where(
  (v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)),
  'expected an agent index or name',
);

const checkResponse = object({
  agent,
  text: str,
  answer: nullable(str),
  correct: nullable(bool),
  verifier: nullable(num),
  reward: nullable(num),
});
export const checkTranscriptView: Check = object({
  id: str,
  step: num,
  split: oneOf(['train', 'eval']),
  sample: optional(int(0)),
  question: str,
  answer: str,
  source: optional(object({ file: str, line: int(1) })),
  turns: arrayOf(arrayOf(checkResponse)),
  majority: arrayOf(nullable(str)),
  majorityCorrect: arrayOf(nullable(bool)),
});
export const isTranscriptView = passes<TranscriptView>(checkTranscriptView);

const turnRows = nullable(
  arrayOf(object({ majorityAccuracy: num, meanAgentAccuracy: num, wrongToRight: num, rightToWrong: num })),
);
const checkHeader = object({
  runDir: str,
  name: str,
  status: oneOf([...RUN_STATUSES, 'unknown']),
  step: num,
  totalSteps: nullable(num),
  startedAt: nullable(str),
  updatedAt: nullable(str),
  etaSeconds: nullable(num),
  executionProvider: nullable(str),
  runtime: optional(checkRuntimeInfo),
  message: nullable(str),
  config: arrayOf(object({ pointer: str, value: str })),
  baseStage: optional(
    object({ step: num, total: num, losses: arrayOf(object({ step: num, loss: num })), done: bool, reused: bool }),
  ),
  outcome: optional(object({ before: turnRows, after: turnRows, questions: nullable(num) })),
  labels: optional(object({ total: num, notes: num, annotators: num, byLabel: arrayOf(object({ label: str, count: num })) })),
});

const checkBatch = object({
  header: checkHeader,
  metrics: arrayOf(checkMetricsPoint),
  evalMetrics: arrayOf(checkMetricsPoint),
  transcripts: arrayOf(checkTranscriptView),
});
const HOST_CHECKS: Record<HostToWebview['type'], Check> = { snapshot: checkBatch, append: checkBatch };

const WEBVIEW_CHECKS: Record<WebviewToHost['type'], Check> = {
  ready: object({ runDir: path }),
  openSource: object({ runDir: path, file: path, line: int(1) }),
  openConfig: object({ runDir: path, pointer: jsonPointer }),
  runCommand: object({ runDir: path, command: oneOf(PAGE_COMMANDS) }),
  annotate: object({ runDir: path, key: optional(checkDiscussionKey) }),
};

/** Null when `x` is a message the host may send; else the first problem. */
export const validateHostToWebview = messageValidator(HOST_CHECKS);
export const isHostToWebview = (x: unknown): x is HostToWebview => validateHostToWebview(x) === null;
/** Null when `x` is a message the page may send; else the first problem. */
export const validateWebviewToHost = messageValidator(WEBVIEW_CHECKS);
export const isWebviewToHost = (x: unknown): x is WebviewToHost => validateWebviewToHost(x) === null;

/** A duration for people, shared by the status bar and the dashboard: `1:05:09`, `4:10`, `0:07`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(sec).padStart(2, '0')}`;
}
