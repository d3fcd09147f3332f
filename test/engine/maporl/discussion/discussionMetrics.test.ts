// Majority vote with ties split evenly, per-turn accuracies and per-agent transitions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adoptionCounts, majorityVote, turnMetrics } from '../../../../src/engine/maporl/discussion/discussionMetrics';

test('majority vote: plurality wins; ties split the credit; null answers do not vote', () => {
  assert.deepEqual(majorityVote(['8', '8', '9'], [true, true, false]), { winners: ['8'], answer: '8', credit: 1 });
  assert.deepEqual(majorityVote(['9', '8', '9'], [false, true, false]), { winners: ['9'], answer: '9', credit: 0 });
  assert.deepEqual(majorityVote(['7', '8', '9'], [false, true, false]), { winners: ['7', '8', '9'], answer: '7', credit: 1 / 3 });
  assert.deepEqual(majorityVote(['7', null, '8', null], [false, false, true, false]), {
    winners: ['7', '8'],
    answer: '7',
    credit: 0.5,
  });
  assert.deepEqual(majorityVote([null, null, '5'], [false, false, true]), { winners: ['5'], answer: '5', credit: 1 });
  assert.deepEqual(majorityVote([null, null], [false, false]), { winners: [], answer: null, credit: 0 });
  assert.throws(() => majorityVote(['1'], []), /1 answers but 0 grades/);
});

test('turn metrics over discussions: majority accuracy with fractional ties, agent accuracy, transitions', () => {
  const T = true,
    F = false;
  const d1 = {
    answers: [
      ['1', '2', '3'],
      ['2', '2', '3'],
      ['2', '2', '2'],
    ],
    correct: [
      [F, T, F],
      [T, T, F],
      [T, T, T],
    ],
  };
  const d2 = {
    answers: [
      ['5', '5', '6'],
      ['5', '6', '6'],
      [null, '6', '6'],
    ],
    correct: [
      [T, T, F],
      [T, F, F],
      [F, F, F],
    ],
  };
  const m = turnMetrics([d1, d2]);
  assert.equal(m.length, 3);
  // turn 0: d1 three-way tie with one correct → 1/3; d2 majority "5" correct → 1
  assert.ok(Math.abs(m[0].majorityAccuracy - (1 / 3 + 1) / 2) < 1e-12);
  assert.equal(m[1].majorityAccuracy, 0.5);
  assert.equal(m[2].majorityAccuracy, 0.5);
  assert.deepEqual(m[0].agentAccuracy, [0.5, 1, 0]);
  assert.ok(Math.abs(m[0].meanAgentAccuracy - 0.5) < 1e-12);
  assert.deepEqual(m[2].agentAccuracy, [0.5, 0.5, 0.5]);
  assert.deepEqual(m[0].wrongToRight, [0, 0, 0]);
  assert.deepEqual(m[0].rightToWrong, [0, 0, 0]);
  assert.deepEqual(m[1].wrongToRight, [1, 0, 0]); // d1 agent 0
  assert.deepEqual(m[1].rightToWrong, [0, 1, 0]); // d2 agent 1
  assert.deepEqual(m[2].wrongToRight, [0, 0, 1]); // d1 agent 2
  assert.deepEqual(m[2].rightToWrong, [1, 0, 0]); // d2 agent 0
});

test('accuracies are exact fractions (no drift from summing 1/n)', () => {
  const one = { answers: [['1']], correct: [[true]] };
  const m = turnMetrics(Array.from({ length: 10 }, () => one));
  assert.equal(m[0].majorityAccuracy, 1);
  assert.equal(m[0].agentAccuracy[0], 1);
});

test('discussions of different shapes are rejected; no discussions give no turns', () => {
  assert.deepEqual(turnMetrics([]), []);
  const a = { answers: [['1', '2']], correct: [[true, false]] };
  const b = { answers: [['1']], correct: [[true]] };
  assert.throws(() => turnMetrics([a, b]), /discussion 1 is not 1 turns x 2 agents/);
});

test('oracle: the share of discussions with at least one agent right, per turn', () => {
  const d = (correct: boolean[][]) => ({ answers: correct.map((row) => row.map((c) => (c ? '1' : '2'))), correct });
  const m = turnMetrics([
    d([
      [false, false, true],
      [true, true, true],
    ]),
    d([
      [false, false, false],
      [false, true, false],
    ]),
    d([
      [false, false, false],
      [false, false, false],
    ]),
  ]);
  assert.deepEqual(
    m.map((t) => t.oracle),
    [1 / 3, 2 / 3],
  );
  assert.ok(m[0].oracle! > m[0].majorityAccuracy, 'one right agent of three is an oracle hit, not a majority');
});

test('adoption: distinct differing peer answers, split by right and wrong, and whether the agent took them', () => {
  // Turn 1: agents say 5, 7, 7 (7 is right). Turn 2: agent 0 takes 7 (a right answer adopted);
  // agents 1 and 2 were offered 5 (wrong, once each, agent 2's peer 7 equals its own) and kept 7.
  const c = adoptionCounts([
    {
      answers: [
        ['5', '7', '7'],
        ['7', '7', '7'],
      ],
      correct: [
        [false, true, true],
        [true, true, true],
      ],
    },
  ]);
  assert.deepEqual(c, { rightOffered: 1, rightAdopted: 1, wrongOffered: 2, wrongAdopted: 0 });
  // A herding team: agent 0 (right) takes the wrong answer both peers give.
  const h = adoptionCounts([
    {
      answers: [
        ['7', '5', '5'],
        ['5', '5', '5'],
      ],
      correct: [
        [true, false, false],
        [false, false, false],
      ],
    },
  ]);
  assert.deepEqual(h, { rightOffered: 2, rightAdopted: 0, wrongOffered: 1, wrongAdopted: 1 });
});
