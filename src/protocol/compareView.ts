// Messages between the extension host and the checkpoint comparison panel (webview/compare/), typed
// once for both sides and checked on arrival like the dashboard's (webview.ts): a malformed message is
// dropped and logged, never acted on. The page never names a path: it names a side by its index, a
// question by its line and a question source by the id the host gave it, and the host resolves them.
// Pure types and functions only (the webview bundles this file).

import { all, arrayOf, bool, int, nullable, num, object, oneOf, str } from './check';
import { type Check, jsonPointer, messageValidator, where } from './check';
import { isComparisonResult, type ComparisonResult } from './comparison';
import { checkTranscriptRecord, type TranscriptRecord } from './runRecords';

/** One side of the comparison: a checkpoint of a run in a runs folder. */
export interface CompareSideView {
  /** Absolute checkpoint directory (checkpoints/step-NNNNNN). */
  path: string;
  runDir: string;
  /** The run directory's name. */
  run: string;
  step: number;
  /** `RUN · step N`. */
  label: string;
}

/** A config.json value that is not the same on every side (flattened, dotted key). */
export interface ConfigDiffRow {
  /** `training.ppo.lr`. */
  key: string;
  /** JSON pointer of the value in config.json (`/training/ppo/lr`). */
  pointer: string;
  /** Per side, the value as JSON text; null where the side's config lacks the key. */
  values: (string | null)[];
}

/** One point of a run's curve: its step, reward and majority accuracy per turn (turn 0 first). */
export interface CurvePoint {
  step: number;
  reward: number | null;
  majority: (number | null)[];
}

/** The training curves of one run that some side comes from (one per distinct run). */
export interface RunCurve {
  runDir: string;
  run: string;
  /** Training iterations, ascending steps. */
  train: CurvePoint[];
  /** Evaluations on the test split, ascending steps. */
  eval: CurvePoint[];
  /** Steps of this run's checkpoints that are sides (drawn as markers). */
  sideSteps: number[];
}

/** Where the compared questions come from; the host maps the id to the engine's arguments. */
export interface QuestionSource {
  id: string;
  label: string;
}

/** A comparison of these sides saved earlier (RUN/comparisons/<key>/). */
export interface SavedComparison {
  key: string;
  createdAt: string;
  task: string;
  data: string | null;
  questions: number;
  seed: number;
}

/** A comparison job of this panel. */
export interface CompareJobView {
  phase: 'running' | 'cancelling';
  /** The side being evaluated (0-based) and how many there are; null before the engine says. */
  side: number | null;
  sides: number;
  /** The engine's last progress line. */
  message: string;
  startedAt: string;
}

// ---- host -> webview -------------------------------------------------------------------------

/** Everything the page shows; sent when it (re)loads. */
export interface CompareInitMessage {
  type: 'init';
  sides: CompareSideView[];
  configDiff: ConfigDiffRow[];
  curves: RunCurve[];
  sources: QuestionSource[];
  /** The form's starting values: the first run's evaluation settings. */
  defaults: { source: string; questions: number; seed: number };
  saved: SavedComparison[];
  /** The comparison shown (the newest saved one at first); null before any. */
  result: ComparisonResult | null;
  job: CompareJobView | null;
  /** False in Restricted Mode: no job starts. */
  canRun: boolean;
  /** Problems reading the sides' files (unreadable config, broken event lines), one line each. */
  problems: string[];
}
/** The job's progress, or its end (`job` null) with what happened. */
export interface CompareJobMessage {
  type: 'job';
  job: CompareJobView | null;
  outcome: { ok: boolean; message: string } | null;
}
/** A comparison to show (the job's, or a saved one picked on the page). */
export interface CompareResultMessage {
  type: 'result';
  result: ComparisonResult;
  saved: SavedComparison[];
}
/** One question's discussion on every side (null where a side's line is missing or broken). */
export interface CompareDiscussionMessage {
  type: 'discussion';
  key: string;
  line: number;
  records: (TranscriptRecord | null)[];
}
export type HostToCompare = CompareInitMessage | CompareJobMessage | CompareResultMessage | CompareDiscussionMessage;

// ---- webview -> host -------------------------------------------------------------------------

export interface CompareReadyMessage {
  type: 'ready';
}
/** Run `maporl compare` on the sides (read back when the same comparison was saved before). */
export interface CompareRunMessage {
  type: 'run';
  source: string;
  questions: number;
  seed: number;
}
export interface CompareCancelMessage {
  type: 'cancel';
}
/** Show the saved comparison with this key. */
export interface CompareShowSavedMessage {
  type: 'showSaved';
  key: string;
}
/** The discussions of the question at this 1-based line of every side's transcripts, in comparison `key`. */
export interface CompareShowDiscussionMessage {
  type: 'showDiscussion';
  key: string;
  line: number;
}
/** Open the sides' transcripts files at that line in editors side by side (annotatable there). */
export interface CompareOpenTranscriptsMessage {
  type: 'openTranscripts';
  key: string;
  line: number;
}
/** Open a side's config.json at a JSON pointer. */
export interface CompareOpenConfigMessage {
  type: 'openConfig';
  side: number;
  pointer: string;
}
export type CompareToHost =
  | CompareReadyMessage
  | CompareRunMessage
  | CompareCancelMessage
  | CompareShowSavedMessage
  | CompareShowDiscussionMessage
  | CompareOpenTranscriptsMessage
  | CompareOpenConfigMessage;

// ---- guards ----------------------------------------------------------------------------------

export const MAX_QUESTIONS = 100_000;
/** A comparison key as the engine writes it (hex); never a path. */
const comparisonKey: Check = (v, p) =>
  typeof v === 'string' && /^[0-9a-f]{1,64}$/.test(v) ? null : `${p || '$'}: expected a comparison key`;
const sourceId: Check = (v, p) =>
  typeof v === 'string' && /^[a-z]+:[A-Za-z0-9._-]{1,64}$/.test(v) ? null : `${p || '$'}: expected a question source id`;
const nullableNums = arrayOf(nullable(num));
const checkPoint = object({ step: int(0), reward: nullable(num), majority: nullableNums });
const checkSide = object({ path: str, runDir: str, run: str, step: int(0), label: str });
const checkDiffRow = object({ key: str, pointer: jsonPointer, values: arrayOf(nullable(str)) });
const checkCurve = object({
  runDir: str,
  run: str,
  train: arrayOf(checkPoint),
  eval: arrayOf(checkPoint),
  sideSteps: arrayOf(int(0)),
});
const checkSaved = object({
  key: comparisonKey,
  createdAt: str,
  task: str,
  data: nullable(str),
  questions: int(1),
  seed: int(0),
});
const checkJob = object({
  phase: oneOf(['running', 'cancelling']),
  side: nullable(int(0)),
  sides: int(0),
  message: str,
  startedAt: str,
});
const comparison = where(isComparisonResult, 'expected a comparison result');

const HOST_CHECKS: Record<HostToCompare['type'], Check> = {
  init: object({
    sides: arrayOf(checkSide),
    configDiff: arrayOf(checkDiffRow),
    curves: arrayOf(checkCurve),
    sources: arrayOf(object({ id: sourceId, label: str })),
    defaults: object({ source: str, questions: int(1), seed: int(0) }),
    saved: arrayOf(checkSaved),
    result: nullable(comparison),
    job: nullable(checkJob),
    canRun: bool,
    problems: arrayOf(str),
  }),
  job: object({ job: nullable(checkJob), outcome: nullable(object({ ok: bool, message: str })) }),
  result: object({ result: comparison, saved: arrayOf(checkSaved) }),
  discussion: object({ key: comparisonKey, line: int(1), records: arrayOf(nullable(checkTranscriptRecord)) }),
};

const WEBVIEW_CHECKS: Record<CompareToHost['type'], Check> = {
  ready: object({}),
  run: object({
    source: sourceId,
    questions: all(
      int(1),
      where((v) => (v as number) <= MAX_QUESTIONS, `expected at most ${MAX_QUESTIONS} questions`),
    ),
    seed: all(
      int(0),
      where((v) => (v as number) <= 2 ** 32 - 1, 'expected a 32-bit seed'),
    ),
  }),
  cancel: object({}),
  showSaved: object({ key: comparisonKey }),
  showDiscussion: object({ key: comparisonKey, line: int(1) }),
  openTranscripts: object({ key: comparisonKey, line: int(1) }),
  openConfig: object({ side: int(0), pointer: jsonPointer }),
};

/** Null when `x` is a message the page may send; else the first problem. */
export const validateCompareToHost = messageValidator(WEBVIEW_CHECKS);
export const isCompareToHost = (x: unknown): x is CompareToHost => validateCompareToHost(x) === null;
/** Null when `x` is a message the host may send; else the first problem. */
export const validateHostToCompare = messageValidator(HOST_CHECKS);
export const isHostToCompare = (x: unknown): x is HostToCompare => validateHostToCompare(x) === null;
