// Run directories made by hand: transcripts.jsonl with given verifier scores and grades, and
// annotations.jsonl, for the annotation tests (no model needed).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Annotation } from '../../../src/protocol/annotations';
import type { TranscriptRecord } from '../../../src/protocol/runRecords';

export const TIME = '2026-03-01T12:00:00.000Z';

/** A discussion of one turn: one response per [verifier score, correct] pair. */
export function transcript(
  id: string,
  step: number,
  responses: [number, boolean][],
  extra: Partial<TranscriptRecord> = {},
): TranscriptRecord {
  return {
    id,
    step,
    split: 'train',
    question: `question ${id}`,
    answer: '7',
    source: { file: 'train.jsonl', line: 1 },
    turns: [
      responses.map(([verifier, correct], agent) => ({
        agent,
        text: `agent ${agent} says ${correct ? 7 : 8}`,
        answer: correct ? '7' : '8',
        correct,
        verifier,
        reward: null,
      })),
    ],
    majority: ['7'],
    majorityCorrect: [true],
    ...extra,
  };
}

/** A label on response (turn 0, `agent`) of discussion `id` at `step`. */
export function label(id: string, step: number, agent: number, labelName: string, annotator = 'ann'): Annotation {
  return { transcript: id, step, split: 'train', turn: 0, agent, label: labelName, annotator, time: TIME };
}

export function fakeRun(records: TranscriptRecord[], annotations: Annotation[], extraLines: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-annotations-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'transcripts.jsonl'),
    [...records.map((r) => JSON.stringify(r)), ...extraLines].map((l) => `${l}\n`).join(''),
  );
  writeFileSync(join(dir, 'annotations.jsonl'), annotations.map((a) => `${JSON.stringify(a)}\n`).join(''));
  return dir;
}
