// What the transcripts editor shows as agreement: nothing with one annotator; with two, the engine's
// Cohen's kappa per label over the targets both labelled, labels outside the set included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Annotation } from '../../src/protocol/annotations';
import { agreementOf } from '../../src/extension/annotations/agreement';

const on = (annotator: string, transcript: string, label: string, extra: Partial<Annotation> = {}): Annotation => ({
  transcript,
  step: 1,
  split: 'train',
  label,
  annotator,
  time: '2026-01-01T00:00:00Z',
  ...extra,
});

test('one annotator: no agreement to show', () => {
  assert.deepEqual(
    agreementOf([on('ann', 'q1', 'persuasive'), { ...on('bob', 'q1', 'x'), label: undefined, note: 'n' }], ['persuasive']),
    [],
  );
});

test("two annotators: per label, the pair's kappa and items", () => {
  const list = [
    on('ann', 'q1', 'persuasive'),
    on('bob', 'q1', 'persuasive'),
    on('ann', 'q2', 'stubborn'),
    on('bob', 'q2', 'persuasive'),
    on('ann', 'q3', 'persuasive'),
    on('bob', 'q3', 'stubborn'),
    on('bob', 'q4', 'odd'),
  ];
  const rows = agreementOf(list, ['persuasive', 'stubborn']);
  assert.deepEqual(
    rows.map((r) => r.label),
    ['persuasive', 'stubborn', 'odd'],
  );
  assert.deepEqual(rows[0].pairs, [{ annotators: ['ann', 'bob'], kappa: rows[0].kappa, items: 3 }]);
  // persuasive on q1..q3: ann yes,no,yes; bob yes,yes,no -> p_o 1/3, p_e 4/9+1/9 = 5/9, kappa -0.5
  assert.ok(Math.abs(rows[0].kappa! + 0.5) < 1e-12);
});
