// MAPoRL reward: the influence-aware formula (Park et al. 2025, §4) against hand-computed values and its
// properties, and the four incentive terms on hand-worked discussions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../../src/engine/core/random';
import {
  incentiveBonuses,
  incentiveTerms,
  influenceAwareRewards,
  needsFormatPenalty,
  repeatsPhrase,
  shapedRewards,
  withFormatPenalty,
} from '../../../../src/engine/maporl/reward/reward';
import { discussionRewards } from '../../../../src/engine/maporl/train/iteration';

const close = (a: number[][], b: number[][], tol = 1e-12) =>
  a.forEach((row, t) => row.forEach((x, i) => assert.ok(Math.abs(x - b[t][i]) <= tol, `[${t}][${i}] ${x} vs ${b[t][i]}`)));

function randomV(rng: Rng, T: number, A: number): number[][] {
  return Array.from({ length: T }, () => Array.from({ length: A }, () => rng.float()));
}

test('influence-aware reward matches a hand computation (T=3, A=2, γ=0.5)', () => {
  const V = [
    [0.2, 0.6],
    [0.4, 0.8],
    [1.0, 0.0],
  ];
  // team means per turn: 0.4, 0.6, 0.5; discount mass 1.75 at t=0, 1.5 at t=1, 1 at t=2
  close(influenceAwareRewards(V, 0.5), [
    [(0.2 + 0.5 * 0.6 + 0.25 * 0.5) / 1.75, (0.6 + 0.5 * 0.6 + 0.25 * 0.5) / 1.75],
    [(0.4 + 0.5 * 0.5) / 1.5, (0.8 + 0.5 * 0.5) / 1.5],
    [1.0, 0.0],
  ]);
  close(influenceAwareRewards(V, 0.5), [
    [0.625 / 1.75, 1.025 / 1.75],
    [0.65 / 1.5, 0.7],
    [1, 0],
  ]);
});

test('γ = 0 gives V; constant V gives V; the last turn and a single turn give V', () => {
  const rng = new Rng(1);
  const V = randomV(rng, 4, 3);
  close(influenceAwareRewards(V, 0), V);
  const constant = [
    [0.7, 0.7],
    [0.7, 0.7],
    [0.7, 0.7],
  ];
  close(influenceAwareRewards(constant, 0.3), constant, 1e-15);
  close(influenceAwareRewards(constant, 5), constant, 1e-15);
  for (const g of [0.3, 1, 2]) assert.deepEqual(influenceAwareRewards(V, g)[3], V[3]);
  assert.deepEqual(influenceAwareRewards([[0.1, 0.9]], 0.3), [[0.1, 0.9]]);
});

test('rewards are convex combinations (stay within [min V, max V]) and follow agent permutations', () => {
  const rng = new Rng(2);
  for (let k = 0; k < 50; k++) {
    const V = randomV(rng, 3, 3);
    const g = rng.float() * 2;
    const R = influenceAwareRewards(V, g);
    const lo = Math.min(...V.flat()),
      hi = Math.max(...V.flat());
    for (const r of R.flat()) assert.ok(r >= lo - 1e-12 && r <= hi + 1e-12);
    const perm = [2, 0, 1];
    const Rp = influenceAwareRewards(
      V.map((row) => perm.map((j) => row[j])),
      g,
    );
    close(
      Rp,
      R.map((row) => perm.map((j) => row[j])),
    );
  }
});

test('a better later turn by anyone raises every earlier reward (influence), never a later one', () => {
  const V = [
    [0.5, 0.5, 0.5],
    [0.5, 0.5, 0.5],
    [0.5, 0.5, 0.5],
  ];
  const before = influenceAwareRewards(V, 0.3);
  const V2 = V.map((r) => r.slice());
  V2[2][1] = 0.9;
  const after = influenceAwareRewards(V2, 0.3);
  for (let a = 0; a < 3; a++) {
    assert.ok(after[0][a] > before[0][a] && after[1][a] > before[1][a]);
    assert.equal(after[2][a], a === 1 ? 0.9 : 0.5);
  }
  // the gain at t=1 is γ·(0.4/3)/(1+γ)
  assert.ok(Math.abs(after[1][0] - before[1][0] - (0.3 * 0.4) / 3 / 1.3) < 1e-12);
});

test('bad inputs are rejected', () => {
  assert.throws(() => influenceAwareRewards([[0.1, 0.2], [0.3]], 0.3), /turn 1 has 1 agents/);
  assert.throws(() => influenceAwareRewards([], 0.3), /no turns/);
  assert.throws(() => influenceAwareRewards([[NaN]], 0.3), /non-finite/);
  assert.throws(() => influenceAwareRewards([[0.5]], -1), /gamma/);
  assert.throws(() => shapedRewards([[0.5, 0.5]], [[true]], { gamma: 0.3, alpha: [0, 0, 0, 0] }), /1x2 but correctness is 1x1/);
});

const F = false,
  T = true;

test('incentive terms on a hand-worked 3-agent discussion', () => {
  // "others right" = both other agents correct (more than half of 2).
  const correct = [
    [F, T, T], // agent 0 wrong while both others right
    [T, T, F], // agent 0 persuaded; agent 2 leaves the right answer while its others were not both right
    [T, F, F],
  ];
  assert.deepEqual(incentiveTerms(correct), [
    [
      [0, 0, -1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
    ],
    [
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [-1, 0, -1, 0],
    ],
    [
      [0, 0, 0, 0],
      [-1, 0, 0, 0],
      [0, 0, 0, 0],
    ],
  ]);
  // (0,0): its others go right → not-right at t=1 while it was wrong: -alpha[2]
  // (0,2): its others (0 and 1) go not-right → right at t=1 while it was right: +alpha[3]
  const bonus = incentiveBonuses(correct, [1, 10, 100, 1000]);
  assert.deepEqual(bonus, [
    [-100, 0, 1000],
    [1, 0, -101],
    [0, -1, 0],
  ]);
});

test('corrected on its own, and going wrong against right others, use alpha[1]', () => {
  assert.deepEqual(
    incentiveTerms([
      [F, F, F],
      [T, F, F],
    ])[1][0],
    [0, 1, 0, 0],
  );
  const terms = incentiveTerms([
    [T, T, T],
    [F, T, T],
  ]);
  assert.deepEqual(terms[1][0], [0, -1, 0, 0]);
  // agent 1 was right at t=0 and its others (0, 2) went right → not-right at t=1: -alpha[3]
  // (the official code would add +alpha[2] here; see reward.ts)
  assert.deepEqual(terms[0][1], [0, 0, 0, -1]);
});

test('a single agent: every change is on its own (alpha[1]), no influence terms', () => {
  assert.deepEqual(incentiveTerms([[F], [T], [F], [F]]), [[[0, 0, 0, 0]], [[0, 1, 0, 0]], [[0, -1, 0, 0]], [[0, 0, 0, 0]]]);
});

test('exactly half of the others right counts as not right', () => {
  // A=3: the others of agent 0 at t=0 are one right, one wrong → not right → "on its own"
  assert.deepEqual(
    incentiveTerms([
      [F, T, F],
      [T, T, F],
    ])[1][0],
    [0, 1, 0, 0],
  );
});

test('alpha = 0 adds nothing: shaped reward equals the influence-aware reward', () => {
  const rng = new Rng(3);
  const V = randomV(rng, 3, 3);
  const correct = V.map((r) => r.map((v) => v > 0.5));
  assert.deepEqual(shapedRewards(V, correct, { gamma: 0.3, alpha: [0, 0, 0, 0] }), influenceAwareRewards(V, 0.3));
  const shaped = shapedRewards(V, correct, { gamma: 0.3, alpha: [0.1, 0.2, 0.3, 0.4] });
  const bonus = incentiveBonuses(correct, [0.1, 0.2, 0.3, 0.4]);
  close(
    shaped,
    influenceAwareRewards(V, 0.3).map((row, t) => row.map((r, a) => r + bonus[t][a])),
  );
});

test('format penalty: no parseable answer, or a phrase looping more than 3 times', () => {
  assert.equal(needsFormatPenalty(' 2+3=5. Answer: 5', '5'), false);
  assert.equal(needsFormatPenalty(' 2+3=5. 5+1=', null), true, 'no answer');
  assert.equal(needsFormatPenalty('', null), true, 'blank');
  assert.equal(needsFormatPenalty('so so so so Answer: 5', '5'), true, 'one word four times');
  assert.equal(needsFormatPenalty('so so so Answer: 5', '5'), false, 'three times is allowed');
  assert.equal(needsFormatPenalty('add it. add it. add it. add it. Answer: 5', '5'), true, 'a two-word phrase four times');
  assert.equal(needsFormatPenalty('0 0 0 0 0 Answer: 0', '0'), false, 'numbers may repeat');
  assert.equal(repeatsPhrase(['a', 'b', 'a', 'b', 'a', 'b'], 20, 3), false);
});

test('format penalty replaces the shaped reward of the responses that need it, and 0 turns it off', () => {
  const R = [
    [0.9, 0.2],
    [0.7, 0.4],
  ];
  const responses = [
    [
      { text: 'Answer: 3', answer: '3' },
      { text: 'hmm', answer: null },
    ],
    [
      { text: 'x x x x Answer: 1', answer: '1' },
      { text: 'Answer: 2', answer: '2' },
    ],
  ];
  assert.deepEqual(withFormatPenalty(R, responses, -1), [
    [0.9, -1],
    [-1, 0.4],
  ]);
  assert.deepEqual(withFormatPenalty(R, responses, 0), R);
});

test('a later-turn agent that adopts a right peer answer gets the credit of a right answer (the control, issue 23)', () => {
  // pairsum, 3 agents x 3 turns, ground-truth scores: only agent 1 is right at turn 1; agent 0 adopts
  // its pair at turn 2; everyone is right at turn 3. γ = 0.3 (the default), no incentives.
  const right = [
    [false, true, false],
    [true, true, false],
    [true, true, true],
  ];
  const turns = right.map((row, t) =>
    row.map((correct, agent) => {
      const answer = correct ? '4 9' : '2 6';
      return {
        agent,
        turn: t,
        prompt: [],
        tokens: [],
        logprobs: [],
        text: `x. Answer: ${answer}`,
        answer,
        correct,
        verifier: +correct,
      };
    }),
  );
  const record = {
    id: 'q',
    question: 'Numbers 7 2 9 4 6 15. Which two sum to 13?',
    answer: '4 9',
    source: { file: 'f', line: 1 },
  };
  const R = discussionRewards({ record, turns }, { source: 'verifier', gamma: 0.3, alpha: [0, 0, 0, 0], formatPenalty: -1 });
  // Hand-computed: R(t, a) = [V(t, a) + Σ_{u > t} 0.3^{u-t} · mean_j V(u, j)] / Σ_{u >= t} 0.3^{u-t}.
  const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-12, `${what}: ${x} vs ${y}`);
  near(R[1][0], (1 + 0.3 * 1) / 1.3, 'the adopter at turn 2'); // = 1, as much as the agent it followed
  near(R[1][1], R[1][0], 'the agent that was right all along, at turn 2');
  near(R[1][2], (0 + 0.3 * 1) / 1.3, 'the agent that stayed wrong at turn 2');
  near(R[0][0], (0 + 0.3 * (2 / 3) + 0.09 * 1) / 1.39, 'the adopter at turn 1, wrong then');
  near(R[0][1], (1 + 0.3 * (2 / 3) + 0.09 * 1) / 1.39, 'the agent whose answer was adopted, at turn 1');
  assert.ok(R[1][0] > R[1][2], 'adopting beats keeping a wrong pair');
});

test('reward.source "ground-truth" pays the grades while the verifier scores stay what the prompts show', () => {
  // 1 turn-pair, 2 agents: the verifier likes agent 0's wrong answer (0.9) and dislikes agent 1's right one (0.2).
  const grades = [
    [false, true],
    [false, true],
  ];
  const scores = [
    [0.9, 0.2],
    [0.8, 0.3],
  ];
  const turns = grades.map((row, t) =>
    row.map((correct, agent) => ({
      agent,
      turn: t,
      prompt: [],
      tokens: [],
      logprobs: [],
      text: `x. Answer: ${correct ? 9 : 8}`,
      answer: correct ? '9' : '8',
      correct,
      verifier: scores[t][agent],
    })),
  );
  const record = { id: 'q', question: '4+5?', answer: '9', source: { file: 'f', line: 1 } };
  const reward = { gamma: 0.3, alpha: [0, 0, 0, 0] as [number, number, number, number], formatPenalty: -1 };
  const fromVerifier = discussionRewards({ record, turns }, { ...reward, source: 'verifier' });
  const fromGrades = discussionRewards({ record, turns }, { ...reward, source: 'ground-truth' });
  const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-12, `${what}: ${x} vs ${y}`);
  // R(0, a) = [V(0, a) + 0.3 · mean_j V(1, j)] / 1.3; R(1, a) = V(1, a).
  near(fromGrades[0][0], (0 + 0.3 * 0.5) / 1.3, 'wrong agent, turn 1, grades');
  near(fromGrades[0][1], (1 + 0.3 * 0.5) / 1.3, 'right agent, turn 1, grades');
  assert.deepEqual(fromGrades[1], [0, 1]);
  near(fromVerifier[0][0], (0.9 + 0.3 * 0.55) / 1.3, 'wrong agent, turn 1, verifier');
  assert.deepEqual(fromVerifier[1], [0.8, 0.3]);
  assert.equal(turns[0][0].verifier, 0.9, 'the scores the prompts show are left alone');
});
