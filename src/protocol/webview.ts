// Messages between the extension host and the dashboard webview, typed once and shared by both sides.
// Every message is checked on arrival with the guards below: an unknown or malformed message is
// dropped and logged, never acted on. Pure types and functions only (the webview bundles this file).

import { isMetricsPoint, RUN_STATUSES, type MetricsPoint, type RunStatus, type TranscriptRecord, type TranscriptResponseRecord } from './runRecords';

/** Fields `K` of `T` that may also be null. */
type OrNull<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };

/**
 * One agent's response as the dashboard shows it: a transcripts.jsonl response (runRecords.ts), except
 * that its grades may be unknown (null, drawn as "?") and its agent may be named.
 */
export type TranscriptResponse = Omit<OrNull<TranscriptResponseRecord, 'correct' | 'verifier'>, 'agent'> & { agent: number | string };

/**
 * One discussion as the dashboard shows it: a transcripts.jsonl record (so every record is a view), whose
 * source may be absent and whose per-turn grades may be unknown. `source.line` is 1-based.
 */
export type TranscriptView = Pick<TranscriptRecord, 'id' | 'step' | 'split' | 'sample' | 'question' | 'answer' | 'majority'>
  & Partial<Pick<TranscriptRecord, 'source'>>
  & { turns: TranscriptResponse[][]; majorityCorrect: (boolean | null)[] };

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
  executionProvider: string | null;
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
export interface TurnRow { majorityAccuracy: number; meanAgentAccuracy: number; wrongToRight: number; rightToWrong: number }

/** Before and after training, one row per turn (either may be missing: a stopped run has no after). */
export interface RunOutcome { before: TurnRow[] | null; after: TurnRow[] | null; questions: number | null }

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
export interface ReadyMessage { type: 'ready'; runDir: string }
/** Open a dataset file at a 1-based line, beside the panel. The host checks the path. */
export interface OpenSourceMessage { type: 'openSource'; runDir: string; file: string; line: number }
/** Open the run's config at the place of a JSON pointer. */
export interface OpenConfigMessage { type: 'openConfig'; runDir: string; pointer: string }
/** Run one of the commands a page may offer (the empty states' and banners' buttons). */
export interface RunCommandMessage { type: 'runCommand'; runDir: string; command: PageCommand }
/** Commands a dashboard may ask the host to run: Prepare Base Agents (SFT)…, Start Training. */
export const PAGE_COMMANDS = ['maporl.prepareBaseAgents', 'maporl.startTraining'] as const;
export type PageCommand = (typeof PAGE_COMMANDS)[number];
/** Open the run's transcripts editor, selecting a discussion (its discussionKey) when given. */
export interface AnnotateMessage { type: 'annotate'; runDir: string; key?: string }
export type WebviewToHost = ReadyMessage | OpenSourceMessage | OpenConfigMessage | RunCommandMessage | AnnotateMessage;

// ---- guards ---------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isOptNum = (x: unknown) => x === undefined || x === null || isNum(x);
const isNumOrNull = (x: unknown) => x === null || isNum(x);
const isStrOrNull = (x: unknown) => x === null || isStr(x);
const isBoolOrNull = (x: unknown) => x === null || typeof x === 'boolean';
const isArrayOf = <T>(x: unknown, item: (v: unknown) => v is T | boolean): x is T[] =>
  Array.isArray(x) && x.every((v) => item(v));
const MAX_PATH = 4096;

function isResponse(x: unknown): x is TranscriptResponse {
  return isObj(x) && (isNum(x.agent) || isStr(x.agent)) && isStr(x.text) && isStrOrNull(x.answer)
    && isBoolOrNull(x.correct) && isNumOrNull(x.verifier) && isNumOrNull(x.reward);
}

export function isTranscriptView(x: unknown): x is TranscriptView {
  if (!isObj(x) || !isStr(x.id) || !isNum(x.step) || !isStr(x.question) || !isStr(x.answer)) return false;
  if (x.split !== 'train' && x.split !== 'eval') return false;
  if (x.sample !== undefined && !(Number.isInteger(x.sample) && (x.sample as number) >= 0)) return false;
  if (x.source !== undefined) {
    const s = x.source;
    if (!isObj(s) || !isStr(s.file) || !Number.isInteger(s.line) || (s.line as number) < 1) return false;
  }
  if (!Array.isArray(x.turns) || !x.turns.every((turn) => Array.isArray(turn) && turn.every(isResponse))) return false;
  return isArrayOf(x.majority, isStrOrNull as (v: unknown) => v is string)
    && isArrayOf(x.majorityCorrect, isBoolOrNull as (v: unknown) => v is boolean);
}

function isHeader(x: unknown): x is RunHeader {
  if (!isObj(x) || !isStr(x.runDir) || !isStr(x.name) || !isNum(x.step)) return false;
  if (!(x.status === 'unknown' || (RUN_STATUSES as readonly unknown[]).includes(x.status))) return false;
  if (!isNumOrNull(x.totalSteps) || !isNumOrNull(x.etaSeconds)) return false;
  if (!isStrOrNull(x.startedAt) || !isStrOrNull(x.updatedAt) || !isStrOrNull(x.executionProvider) || !isStrOrNull(x.message)) return false;
  if (x.labels !== undefined && !isLabelSummary(x.labels)) return false;
  if (x.baseStage !== undefined && !isBaseStage(x.baseStage)) return false;
  if (x.outcome !== undefined && !isOutcome(x.outcome)) return false;
  return Array.isArray(x.config) && x.config.every((c) => isObj(c) && isStr(c.pointer) && isStr(c.value));
}

function isBaseStage(x: unknown): x is BaseStageView {
  return isObj(x) && isNum(x.step) && isNum(x.total) && typeof x.done === 'boolean' && typeof x.reused === 'boolean'
    && Array.isArray(x.losses) && x.losses.every((p) => isObj(p) && isNum(p.step) && isNum(p.loss));
}

const isTurnRows = (x: unknown) => x === null || (Array.isArray(x) && x.every((r) => isObj(r)
  && isNum(r.majorityAccuracy) && isNum(r.meanAgentAccuracy) && isNum(r.wrongToRight) && isNum(r.rightToWrong)));

function isOutcome(x: unknown): x is RunOutcome {
  return isObj(x) && isTurnRows(x.before) && isTurnRows(x.after) && isNumOrNull(x.questions);
}

function isLabelSummary(x: unknown): x is LabelSummary {
  return isObj(x) && isNum(x.total) && isNum(x.notes) && isNum(x.annotators)
    && Array.isArray(x.byLabel) && x.byLabel.every((l) => isObj(l) && isStr(l.label) && isNum(l.count));
}

export function isHostToWebview(x: unknown): x is HostToWebview {
  if (!isObj(x) || (x.type !== 'snapshot' && x.type !== 'append')) return false;
  return isHeader(x.header) && Array.isArray(x.metrics) && x.metrics.every(isMetricsPoint)
    && Array.isArray(x.evalMetrics) && x.evalMetrics.every(isMetricsPoint)
    && Array.isArray(x.transcripts) && x.transcripts.every(isTranscriptView);
}

const isPath = (x: unknown): x is string => isStr(x) && x.length > 0 && x.length <= MAX_PATH && !x.includes('\0');

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (!isObj(x) || !isPath(x.runDir)) return false;
  switch (x.type) {
    case 'ready': return true;
    case 'openSource': return isPath(x.file) && Number.isInteger(x.line) && (x.line as number) >= 1;
    case 'openConfig': return isStr(x.pointer) && x.pointer.length <= MAX_PATH && (x.pointer === '' || x.pointer.startsWith('/'));
    case 'runCommand': return (PAGE_COMMANDS as readonly unknown[]).includes(x.command);
    case 'annotate': return x.key === undefined || (isStr(x.key) && x.key.length > 0 && x.key.length <= 1024);
    default: return false;
  }
}

/** A short description of a rejected message for the log (never the whole payload). */
export function describeMessage(x: unknown): string {
  if (!isObj(x)) return `non-object message (${x === null ? 'null' : typeof x})`;
  return `message of type ${JSON.stringify(String(x.type)).slice(0, 60)}`;
}

/** A duration for people, shared by the status bar and the dashboard: `1:05:09`, `4:10`, `0:07`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(sec).padStart(2, '0')}`;
}
