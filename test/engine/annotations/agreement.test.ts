// Cohen's kappa on hand-computed tables, the items it is computed over (targets both annotators
// labelled), Light's mean over pairs, and the stats built on it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cohensKappa, labelAgreement } from '../../../src/engine/annotations/agreement';
import { annotationStats } from '../../../src/engine/annotations/stats';
import type { Annotation } from '../../../src/protocol/annotations';
import { label, TIME } from './fakeRun';

const close = (x: number | null, y: number) => assert.ok(x !== null && Math.abs(x - y) < 1e-12, `${x} vs ${y}`);

test('kappa of 2×2 tables computed by hand', () => {
  // p_o = 35/50 = 0.7; p_X = 0.5, p_Y = 0.6; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2 / 0.5
  close(cohensKappa({ both: 20, onlyX: 5, onlyY: 10, neither: 15 }), 0.4);
  // p_o = 0.6; p_X = 0.6, p_Y = 0.7; p_e = 0.42 + 0.12 = 0.54; κ = 0.06 / 0.46
  close(cohensKappa({ both: 45, onlyX: 15, onlyY: 25, neither: 15 }), 0.06 / 0.46);
  close(cohensKappa({ both: 3, onlyX: 0, onlyY: 0, neither: 7 }), 1);
  close(cohensKappa({ both: 0, onlyX: 2, onlyY: 2, neither: 0 }), -1);
});

test('kappa is undefined (null) without items or when chance agreement is certain (p_e = 1)', () => {
  assert.equal(cohensKappa({ both: 0, onlyX: 0, onlyY: 0, neither: 0 }), null);
  assert.equal(cohensKappa({ both: 5, onlyX: 0, onlyY: 0, neither: 0 }), null, 'both always give it');
  assert.equal(cohensKappa({ both: 0, onlyX: 0, onlyY: 0, neither: 5 }), null, 'both never give it');
});

// Targets t1..t7 = responses (turn 0, agent k) of discussion q at step 0.
const on = (agent: number, labelName: string, annotator: string) => label('q', 0, agent, labelName, annotator);
const twoAnnotators: Annotation[] = [
  on(1, 'stubborn', 'a'),
  on(1, 'stubborn', 'b'), // both
  on(2, 'stubborn', 'a'),
  on(2, 'persuasive', 'b'), // only a
  on(3, 'persuasive', 'a'),
  on(3, 'persuasive', 'b'), // neither
  on(4, 'corrective', 'a'),
  on(4, 'stubborn', 'b'),
  on(4, 'corrective', 'b'), // only b
  on(5, 'stubborn', 'a'), // b did not label t5: not an item
  on(6, 'stubborn', 'a'),
  { ...on(6, 'x', 'b'), label: undefined, note: 'hm' }, // a note labels nothing: not an item
  on(7, 'persuasive', 'a'),
  on(7, 'persuasive', 'b'), // neither
];

test('items are the targets both annotators labelled; the rating is whether each gave the label', () => {
  const s = labelAgreement(twoAnnotators, 'stubborn');
  assert.equal(s.pairs.length, 1);
  assert.deepEqual(s.pairs[0].table, { both: 1, onlyX: 1, onlyY: 1, neither: 2 });
  // p_o = 3/5; p_a = p_b = 2/5; p_e = 0.16 + 0.36 = 0.52; κ = 0.08 / 0.48
  close(s.kappa, 0.08 / 0.48);
  assert.equal(labelAgreement(twoAnnotators, 'hallucinated').kappa, null, 'a label nobody gave');
});

test('with more annotators: the mean of the pairwise kappas that are defined (Light)', () => {
  const more = [
    ...twoAnnotators,
    on(1, 'stubborn', 'c'),
    on(3, 'persuasive', 'c'), // agrees with a and b on t1 and t3: κ = 1 with each
    on(3, 'persuasive', 'd'), // one item, no variation: κ undefined with everyone
  ];
  const s = labelAgreement(more, 'stubborn');
  assert.deepEqual(
    s.pairs.map((p) => [p.annotators.join('-'), p.items, p.kappa === null ? null : +p.kappa.toFixed(4)]),
    [
      ['a-b', 5, +(0.08 / 0.48).toFixed(4)],
      ['a-c', 2, 1],
      ['a-d', 1, null],
      ['b-c', 2, 1],
      ['b-d', 1, null],
      ['c-d', 1, null],
    ],
  );
  close(s.kappa, (0.08 / 0.48 + 1 + 1) / 3);
});

test('stats count labels per annotator and annotated discussions, and list unused default labels', () => {
  const extra: Annotation = { transcript: 'r', step: 2, split: 'eval', label: 'my-label', annotator: 'a', time: TIME };
  const s = annotationStats([...twoAnnotators, extra]);
  assert.equal(s.records, 15);
  assert.equal(s.notes, 1);
  assert.deepEqual(s.annotators, ['a', 'b']);
  assert.equal(s.discussions, 2);
  assert.equal(s.labelledTargets, 8);
  const stubborn = s.labels.find((l) => l.label === 'stubborn')!;
  assert.deepEqual([stubborn.count, stubborn.byAnnotator], [6, { a: 4, b: 2 }]);
  assert.deepEqual(
    s.labels.map((l) => l.label),
    ['persuasive', 'corrective', 'sycophantic', 'stubborn', 'hallucinated', 'verifier-wrong', 'my-label'],
  );
  assert.equal(s.labels.find((l) => l.label === 'sycophantic')!.count, 0);
});
