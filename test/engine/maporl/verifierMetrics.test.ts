import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc, expectedCalibrationError } from '../../../src/engine/core/scoreMetrics';
import { balancePerQuestion } from '../../../src/engine/maporl/verifierMetrics';
import { Rng } from '../../../src/engine/core/random';

test('AUC: perfect ranking 1, reversed 0, ties count half', () => {
  assert.equal(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false]), 1);
  assert.equal(auc([0.1, 0.2, 0.9, 0.8], [true, true, false, false]), 0);
  assert.equal(auc([0.5, 0.5], [true, false]), 0.5);
  assert.ok(Number.isNaN(auc([0.5], [true])));
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
