// Annotations joined with what they are about: the discussion's question and outcome, and, for a
// label on one response (turn and agent), that response. One flat row per annotation, the shape of
// both export formats (CSV columns, JSONL keys).
import { type Annotation, annotatedDiscussion, targetKey } from '../../protocol/annotations';
import type { TranscriptRecord, TranscriptResponseRecord } from '../../protocol/runRecords';

/** The annotated response, or null for a label on a discussion or turn, or one not in its transcript. */
export function responseOf(a: Annotation, record: TranscriptRecord | undefined): TranscriptResponseRecord | null {
  if (!record || a.turn === undefined || a.agent === undefined) return null;
  return record.turns[a.turn]?.[a.agent] ?? null;
}

/** Export columns, in order. Joined fields are null when the transcript (or the response) is not found. */
export const EXPORT_COLUMNS = [
  'transcript',
  'step',
  'split',
  'sample',
  'turn',
  'agent',
  'label',
  'note',
  'annotator',
  'time',
  'question',
  'goldAnswer',
  'responseText',
  'responseAnswer',
  'responseCorrect',
  'responseVerifier',
  'responseReward',
  'finalMajority',
  'finalMajorityCorrect',
] as const;

export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | number | boolean | null>;

export function exportRow(a: Annotation, record: TranscriptRecord | undefined): ExportRow {
  const r = responseOf(a, record);
  const last = record ? record.turns.length - 1 : -1;
  return {
    transcript: a.transcript,
    step: a.step,
    split: a.split,
    sample: a.sample ?? 0,
    turn: a.turn ?? null,
    agent: a.agent ?? null,
    label: a.label ?? null,
    note: a.note ?? null,
    annotator: a.annotator,
    time: a.time,
    question: record?.question ?? null,
    goldAnswer: record?.answer ?? null,
    responseText: r?.text ?? null,
    responseAnswer: r?.answer ?? null,
    responseCorrect: r?.correct ?? null,
    responseVerifier: r?.verifier ?? null,
    responseReward: r?.reward ?? null,
    finalMajority: record?.majority[last] ?? null,
    finalMajorityCorrect: record?.majorityCorrect[last] ?? null,
  };
}

/** One labelled response: every label any annotator gave it, and the response when its transcript has it. */
export interface LabelledResponse {
  target: string;
  labels: Set<string>;
  record?: TranscriptRecord;
  response: TranscriptResponseRecord | null;
}

/** The responses (targets with turn and agent) that carry at least one label, once each. */
export function labelledResponses(annotations: Annotation[], transcripts: Map<string, TranscriptRecord>): LabelledResponse[] {
  const out = new Map<string, LabelledResponse>();
  for (const a of annotations) {
    if (a.label === undefined || a.agent === undefined) continue;
    const target = targetKey(a);
    let entry = out.get(target);
    if (!entry) {
      const record = transcripts.get(annotatedDiscussion(a));
      entry = { target, labels: new Set(), record, response: responseOf(a, record) };
      out.set(target, entry);
    }
    entry.labels.add(a.label);
  }
  return [...out.values()];
}
