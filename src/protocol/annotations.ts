// annotations.jsonl (design.md, "Run directory"): human labels and notes on discussions, one
// record per label, kept beside transcripts.jsonl and never inside it. The file holds the current
// set of labels (not a log): an editor rewrites it atomically on save, merging with what other
// writers saved meanwhile (mergeAnnotations), so two windows annotating one run never lose a label.
// Shared by the engine (export, verifier report), the extension (custom editor) and its webview.

import { all, type Check, int, isObject, object, oneOf, optional, str, where } from './check';
import { isoTime, type TranscriptRecord } from './runRecords';

/** Labels offered when the workspace does not configure its own (`maporl.annotation.labels`). */
export const DEFAULT_LABELS = ['persuasive', 'corrective', 'sycophantic', 'stubborn', 'hallucinated', 'verifier-wrong'] as const;

/** A label or a note on a whole discussion (no turn), one turn of it, or one response (turn and agent). */
export interface Annotation {
  /** The TranscriptRecord id (a question id: it repeats across steps, splits and samples). */
  transcript: string;
  step: number;
  split: 'train' | 'eval';
  /** TranscriptRecord.sample; absent means 0. */
  sample?: number;
  turn?: number;
  agent?: number;
  /** A label of the label set; absent on a note-only record. */
  label?: string;
  note?: string;
  annotator: string;
  time: string;
}

export const checkAnnotation: Check = all(
  object({
    transcript: str,
    step: int(0),
    split: oneOf(['train', 'eval']),
    sample: optional(int(0)),
    turn: optional(int(0)),
    agent: optional(int(0)),
    label: optional(str),
    note: optional(str),
    annotator: str,
    time: isoTime,
  }),
  where(
    (v) => isObject(v) && (typeof v.label === 'string' || typeof v.note === 'string'),
    'an annotation needs a label or a note',
  ),
  where((v) => isObject(v) && (v.agent === undefined || v.turn !== undefined), 'an agent needs a turn'),
);
export const validateAnnotation = (x: unknown): string | null => checkAnnotation(x, '');
export const isAnnotation = (x: unknown): x is Annotation => validateAnnotation(x) === null;

/** What names one discussion in a run: split, step, question id and sample. */
export type DiscussionRef = Pick<TranscriptRecord, 'id' | 'step' | 'split' | 'sample'>;

export function discussionKey(d: DiscussionRef): string {
  return `${d.split}/${d.step}/${d.id}/${d.sample ?? 0}`;
}

/** A discussionKey as a page names it in a message: not empty, at most 1024 characters. */
export const checkDiscussionKey: Check = where(
  (v) => typeof v === 'string' && v.length > 0 && v.length <= 1024,
  'expected a discussion key',
);

/** The discussion an annotation is on, as a discussionKey. */
export function annotatedDiscussion(a: Annotation): string {
  return discussionKey({ id: a.transcript, step: a.step, split: a.split, sample: a.sample });
}

/** What an annotation is on: a discussion, a turn of it or one response. */
export function targetKey(a: Pick<Annotation, 'transcript' | 'step' | 'split' | 'sample' | 'turn' | 'agent'>): string {
  return `${annotatedDiscussion(a as Annotation)}/${a.turn ?? '*'}/${a.agent ?? '*'}`;
}

/** Identity of a record: one annotator gives one target a label once, and at most one note (label absent). */
export function annotationKey(a: Annotation): string {
  return `${targetKey(a)}/${a.annotator}/${a.label === undefined ? '#note' : `=${a.label}`}`;
}

/** A line of annotations.jsonl that is not a valid record: reported, skipped, and written back as it was. */
export interface BrokenLine {
  /** 1-based line number in the file as read. */
  line: number;
  text: string;
  problem: string;
}

export interface AnnotationsFile {
  annotations: Annotation[];
  broken: BrokenLine[];
}

/** Parses annotations.jsonl text. Never throws: bad lines come back in `broken`. */
export function parseAnnotations(text: string): AnnotationsFile {
  const annotations: Annotation[] = [];
  const broken: BrokenLine[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      broken.push({ line: i + 1, text: raw, problem: i === lines.length - 1 ? 'not JSON (truncated last line?)' : 'not JSON' });
      return;
    }
    const problem = validateAnnotation(value);
    if (problem) broken.push({ line: i + 1, text: raw, problem });
    else annotations.push(value as Annotation);
  });
  return { annotations, broken };
}

/** The file's text: records in a stable order (by discussion, target, annotator, label), then the broken lines verbatim. */
export function serializeAnnotations(file: AnnotationsFile): string {
  const sorted = [...file.annotations].sort((a, b) => compareKeys(annotationKey(a), annotationKey(b)));
  const lines = [...sorted.map((a) => JSON.stringify(canonical(a))), ...file.broken.map((b) => b.text)];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Three-way merge of label sets by annotationKey. `base` is what this writer loaded, `ours` what it
 * wants to save, `theirs` what is on disk now. Every change of ours (added, edited, removed since
 * base) is applied on top of theirs, so labels other writers saved meanwhile survive. Broken lines
 * of both sides are kept (once each).
 */
export function mergeAnnotations(base: Annotation[], ours: AnnotationsFile, theirs: AnnotationsFile): AnnotationsFile {
  const baseByKey = byKey(base);
  const oursByKey = byKey(ours.annotations);
  const merged = byKey(theirs.annotations);
  for (const key of baseByKey.keys()) if (!oursByKey.has(key)) merged.delete(key);
  for (const [key, a] of oursByKey) {
    const before = baseByKey.get(key);
    if (!before || !sameRecord(before, a)) merged.set(key, a);
  }
  const brokenTexts = new Set(theirs.broken.map((b) => b.text));
  const broken = [...theirs.broken, ...ours.broken.filter((b) => !brokenTexts.has(b.text))];
  return { annotations: [...merged.values()], broken };
}

function byKey(list: Annotation[]): Map<string, Annotation> {
  return new Map(list.map((a) => [annotationKey(a), a]));
}

function sameRecord(a: Annotation, b: Annotation): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Fields in the documented order, absent optional fields left out. */
function canonical(a: Annotation): Annotation {
  const { transcript, step, split, sample, turn, agent, label, note, annotator, time } = a;
  return Object.fromEntries(
    Object.entries({ transcript, step, split, sample: sample || undefined, turn, agent, label, note, annotator, time }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as unknown as Annotation;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
