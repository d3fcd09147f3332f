// Messages between the extension host and the transcripts editor (the custom editor of a run's
// transcripts.jsonl, webview/transcripts/), typed once for both sides and checked on arrival like the
// dashboard's (webview.ts): a malformed message is dropped and logged, never acted on.
//
// The page never holds the whole file: the host sends an index (one DiscussionSummary per discussion,
// enough to filter, count and draw a placeholder) and the full records of the discussions in view
// when the page asks for them. Labels and notes live in the run's annotations.jsonl (annotations.ts);
// the page asks the host to change them, and the host makes each change an edit of VS Code's document
// model (undo, redo, dirty, save). Pure types and functions only (the webview bundles this file).

import { type Annotation, checkAnnotation, checkDiscussionKey, discussionKey } from './annotations';
import { all, arrayOf, bool, int, nullable, num, object, oneOf, optional, str } from './check';
import { type Check, messageValidator, where } from './check';
import { checkTranscriptRecord, type TranscriptRecord, type TranscriptResponseRecord } from './runRecords';

/** Characters of the question kept in the index (search and placeholders); the record has all of it. */
export const QUESTION_HEAD = 240;
/** Records one fetch may ask for. */
export const MAX_FETCH = 200;
/** Characters of a note. */
export const MAX_NOTE = 10_000;
/** A verifier score at or above this is a "correct" verdict; below, "incorrect". */
export const VERIFIER_THRESHOLD = 0.5;

/** One discussion of the file, as the index lists it. */
export interface DiscussionSummary {
  /** discussionKey: split/step/id/sample. */
  key: string;
  id: string;
  step: number;
  split: 'train' | 'eval';
  sample: number;
  /** 1-based line in transcripts.jsonl. */
  line: number;
  /** The first QUESTION_HEAD characters of the question. */
  question: string;
  /** Gold answer. */
  answer: string;
  agents: number;
  turns: number;
  /** [T] majority answer per turn. */
  majority: (string | null)[];
  /** [T] whether that majority answer is correct. */
  majorityCorrect: boolean[];
  /** Some agent changed its answer from one turn to the next. */
  changed: boolean;
  /** On some response the verifier's verdict differs from the ground truth. */
  disagree: boolean;
}

/** Whether the verifier's verdict on a response differs from its ground-truth grade. */
export function verifierDisagrees(r: Pick<TranscriptResponseRecord, 'verifier' | 'correct'>): boolean {
  return r.verifier >= VERIFIER_THRESHOLD !== r.correct;
}

/** Whether agent `agent` answers differently in `turn` than in the turn before (false at turn 0). */
export function answerChangedAt(r: Pick<TranscriptRecord, 'turns'>, turn: number, agent: number): boolean {
  if (turn <= 0 || turn >= r.turns.length) return false;
  const before = r.turns[turn - 1][agent],
    now = r.turns[turn][agent];
  return !!before && !!now && (before.answer ?? null) !== (now.answer ?? null);
}

export function summarizeDiscussion(r: TranscriptRecord, line: number): DiscussionSummary {
  let changed = false,
    disagree = false;
  for (let t = 0; t < r.turns.length; t++) {
    for (let a = 0; a < r.turns[t].length; a++) {
      changed ||= answerChangedAt(r, t, a);
      disagree ||= verifierDisagrees(r.turns[t][a]);
    }
  }
  return {
    key: discussionKey(r),
    id: r.id,
    step: r.step,
    split: r.split,
    sample: r.sample ?? 0,
    line,
    question: r.question.length > QUESTION_HEAD ? `${r.question.slice(0, QUESTION_HEAD - 1)}…` : r.question,
    answer: r.answer,
    agents: r.turns[0].length,
    turns: r.turns.length,
    majority: r.majority,
    majorityCorrect: r.majorityCorrect,
    changed,
    disagree,
  };
}

/** What a label or a note is on: a whole discussion, or one response (turn and agent, 0-based). */
export interface AnnotationTarget {
  key: string;
  turn?: number;
  agent?: number;
}

/** `train/3/q1/0 turn 2 agent 1`: a target for people and logs (the key cut to 120 characters). */
export function describeTarget(t: AnnotationTarget): string {
  const where = t.turn === undefined ? '' : ` turn ${t.turn + 1}${t.agent === undefined ? '' : ` agent ${t.agent}`}`;
  return `${t.key.slice(0, 120)}${where}`;
}

/** A line of transcripts.jsonl or annotations.jsonl that was skipped (and, for annotations, kept). */
export interface ReadProblem {
  file: 'transcripts' | 'annotations';
  /** 1-based line number. */
  line: number;
  problem: string;
}

/**
 * Agreement between annotators on one label (engine/annotations/agreement.ts): Cohen's kappa of each
 * pair over the targets both labelled; `kappa` is that of the one pair, or Light's mean over pairs.
 * Null where undefined (no items, or no variation to agree on).
 */
export interface Agreement {
  label: string;
  kappa: number | null;
  pairs: { annotators: [string, string]; kappa: number | null; items: number }[];
}

// ---- host -> webview -------------------------------------------------------------------------

/** Everything the page needs to start (first load, reload, the page shown again). */
export interface InitMessage {
  type: 'init';
  /** The transcripts file shown. */
  file: string;
  labels: string[];
  annotator: string;
  entries: DiscussionSummary[];
  annotations: Annotation[];
  problems: ReadProblem[];
  agreement: Agreement[];
  /** Why the file cannot be shown (outside the workspace, unreadable), else null. */
  error: string | null;
  /** Whether the whole file has been read (a large file is indexed in steps: `entries` messages follow). */
  complete: boolean;
}
/** Discussions read since the last message: the rest of a large file, or what a live run appended (a key seen before replaces its entry). */
export interface EntriesMessage {
  type: 'entries';
  entries: DiscussionSummary[];
  problems: ReadProblem[];
  complete: boolean;
}
/** The annotation set after an edit, undo, redo, save, revert or another writer's save. */
export interface AnnotationsMessage {
  type: 'annotations';
  annotations: Annotation[];
  problems: ReadProblem[];
  agreement: Agreement[];
}
/** Full records the page fetched. */
export interface RecordsMessage {
  type: 'records';
  records: TranscriptRecord[];
}
/** The label set or the annotator's name changed in the settings. */
export interface ConfigMessage {
  type: 'config';
  labels: string[];
  annotator: string;
}
/** Select and show a discussion (opened from the dashboard). */
export interface RevealMessage {
  type: 'reveal';
  key: string;
}
export type HostToTranscripts =
  InitMessage | EntriesMessage | AnnotationsMessage | RecordsMessage | ConfigMessage | RevealMessage;

// ---- webview -> host -------------------------------------------------------------------------

export interface TranscriptsReadyMessage {
  type: 'ready';
}
export interface FetchMessage {
  type: 'fetch';
  keys: string[];
}
/** Adds the annotator's label to the target, or removes it when there. */
export interface ToggleLabelMessage {
  type: 'toggleLabel';
  target: AnnotationTarget;
  label: string;
}
/** Sets the annotator's note on the target; an empty note removes it. */
export interface SetNoteMessage {
  type: 'setNote';
  target: AnnotationTarget;
  note: string;
}
export type TranscriptsToHost = TranscriptsReadyMessage | FetchMessage | ToggleLabelMessage | SetNoteMessage;

// ---- guards ----------------------------------------------------------------------------------

const key = checkDiscussionKey;
const label = where((v) => typeof v === 'string' && v.trim().length > 0 && v.length <= 100, 'expected a label');
const checkTarget: Check = all(
  object({ key, turn: optional(int(0)), agent: optional(int(0)) }),
  where(
    (v) => (v as AnnotationTarget).agent === undefined || (v as AnnotationTarget).turn !== undefined,
    'an agent needs a turn',
  ),
);
const checkSummary: Check = object({
  key,
  id: str,
  step: int(0),
  split: oneOf(['train', 'eval']),
  sample: int(0),
  line: int(1),
  question: str,
  answer: str,
  agents: int(0),
  turns: int(1),
  majority: arrayOf(nullable(str)),
  majorityCorrect: arrayOf(bool),
  changed: bool,
  disagree: bool,
});
const checkProblem: Check = object({ file: oneOf(['transcripts', 'annotations']), line: int(1), problem: str });
const checkAgreement: Check = object({
  label: str,
  kappa: nullable(num),
  pairs: arrayOf(object({ annotators: arrayOf(str), kappa: nullable(num), items: int(0) })),
});

const annotationSet = {
  annotations: arrayOf(checkAnnotation),
  problems: arrayOf(checkProblem),
  agreement: arrayOf(checkAgreement),
};
const HOST_CHECKS: Record<HostToTranscripts['type'], Check> = {
  init: object({
    file: str,
    labels: arrayOf(label),
    annotator: str,
    entries: arrayOf(checkSummary),
    ...annotationSet,
    error: nullable(str),
    complete: bool,
  }),
  entries: object({ entries: arrayOf(checkSummary), problems: arrayOf(checkProblem), complete: bool }),
  annotations: object(annotationSet),
  records: object({ records: arrayOf(checkTranscriptRecord) }),
  config: object({ labels: arrayOf(label), annotator: str }),
  reveal: object({ key }),
};

const WEBVIEW_CHECKS: Record<TranscriptsToHost['type'], Check> = {
  ready: object({}),
  fetch: object({
    keys: all(
      arrayOf(key),
      where((v) => (v as unknown[]).length >= 1 && (v as unknown[]).length <= MAX_FETCH, `expected 1 to ${MAX_FETCH} keys`),
    ),
  }),
  toggleLabel: object({ target: checkTarget, label }),
  setNote: object({
    target: checkTarget,
    note: all(
      str,
      where((v) => (v as string).length <= MAX_NOTE, `expected at most ${MAX_NOTE} characters`),
    ),
  }),
};

/** Null when `x` is a message the host may send; else the first problem. */
export const validateHostToTranscripts = messageValidator(HOST_CHECKS);
export const isHostToTranscripts = (x: unknown): x is HostToTranscripts => validateHostToTranscripts(x) === null;
/** Null when `x` is a message the page may send; else the first problem. */
export const validateTranscriptsToHost = messageValidator(WEBVIEW_CHECKS);
export const isTranscriptsToHost = (x: unknown): x is TranscriptsToHost => validateTranscriptsToHost(x) === null;

/** The discussion key of a record (re-exported for the page, which must not import host code). */
export { discussionKey };
