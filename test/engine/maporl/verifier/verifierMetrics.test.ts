import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc, expectedCalibrationError, withinGroupAuc } from '../../../../src/engine/core/scoreMetrics';
import { balancePerQuestion } from '../../../../src/engine/maporl/verifier/verifierMetrics';
import { Rng } from '../../../../src/engine/core/random';

test('AUC: perfect ranking 1, reversed 0, ties count half', () => {
  assert.equal(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false]), 1);
  assert.equal(auc([0.1, 0.2, 0.9, 0.8], [true, true, false, false]), 0);
  assert.equal(auc([0.5, 0.5], [true, false]), 0.5);
  assert.ok(Number.isNaN(auc([0.5], [true])));
});

test('within-question AUC ranks only answers to the same question: a score that knows the question but not the answer gets 0.5', () => {
  // Question a is easy (scores high), b hard (scores low); within each, the scores ignore correctness.
  const scores = [0.9, 0.9, 0.2, 0.2, 0.9, 0.2];
  const labels = [true, false, true, false, true, false];
  const groups = ['a', 'a', 'b', 'b', 'a', 'b'];
  assert.ok(auc(scores, labels) > 0.6, 'the plain AUC credits telling the questions apart');
  assert.equal(withinGroupAuc(scores, labels, groups), 0.5);
  // Ranking within questions, though the questions' levels differ: 1 (and the plain AUC is not).
  const ranked = [0.95, 0.9, 0.3, 0.1, 0.95, 0.1];
  assert.equal(withinGroupAuc(ranked, labels, groups), 1);
  assert.ok(auc(ranked, labels) < 1);
  // 2 pairs in a: (0,1),(4,1); 2 in b: (2,3),(2,5); one reversed -> 3/4.
  assert.equal(withinGroupAuc([0.95, 0.9, 0.3, 0.1, 0.8, 0.1], labels, groups), 0.75);
  assert.ok(Number.isNaN(withinGroupAuc([0.5, 0.4], [true, false], ['a', 'b'])), 'no group has both classes');
});

test('ECE is zero for calibrated scores and large for confident wrong ones', () => {
  assert.equal(expectedCalibrationError([1, 1, 0, 0], [true, true, false, false]), 0);
  assert.ok(expectedCalibrationError([0.95, 0.95], [false, false]) > 0.9);
});

test('balancing keeps as many correct as incorrect responses per question', () => {
  const xs = [
    ...Array.from({ length: 5 }, () => ({ question: 'a', response: 'r', correct: true })),
    { question: 'a', response: 'w', correct: false },
    { question: 'b', response: 'r', correct: true },
  ];
  const out = balancePerQuestion(xs, new Rng(1));
  assert.equal(out.filter((x) => x.question === 'a' && x.correct).length, 1);
  assert.equal(out.filter((x) => x.question === 'a' && !x.correct).length, 1);
  assert.equal(out.filter((x) => x.question === 'b').length, 0, 'a question with one class gives nothing');
});
