import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gae, leaveOneOutAdvantages, tokenRewards, whiten, whitenBy } from '../../../../src/engine/maporl/reward/advantages';

test('token rewards: KL penalty on every token, the score added on the last', () => {
  const r = tokenRewards(0.8, [-1, -2, -0.5], [-1.5, -2, -1], 0.1);
  assert.deepEqual(
    r.map((x) => +x.toFixed(10)),
    [-0.05, 0, +(0.8 - 0.05).toFixed(10)],
  );
});

test('GAE matches the recursion written out by hand (γ=1, λ=0.95)', () => {
  const rewards = [0, 0, 1],
    values = [0.2, 0.5, 0.7];
  const { advantages, returns } = gae(rewards, values, 1, 0.95);
  const d2 = 1 - 0.7,
    d1 = 0 + 0.7 - 0.5,
    d0 = 0 + 0.5 - 0.2;
  const a2 = d2,
    a1 = d1 + 0.95 * a2,
    a0 = d0 + 0.95 * a1;
  [a0, a1, a2].forEach((a, k) => assert.ok(Math.abs(advantages[k] - a) < 1e-12));
  returns.forEach((ret, k) => assert.ok(Math.abs(ret - (advantages[k] + values[k])) < 1e-12));
});

test('GAE with λ=1, γ=1 gives returns equal to the reward-to-go', () => {
  const { returns } = gae([1, 2, 3], [5, -1, 0.3], 1, 1);
  assert.deepEqual(
    returns.map((x) => +x.toFixed(10)),
    [6, 5, 3],
  );
});

test('whitening gives zero mean and unit variance over all tokens of all rows', () => {
  const rows = [[1, 2, 3], [10], [-4, 0]];
  whiten(rows);
  const flat = rows.flat();
  const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
  const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / (flat.length - 1);
  assert.ok(Math.abs(mean) < 1e-12);
  assert.ok(Math.abs(variance - 1) < 1e-6);
});

test('leave-one-out advantages: return minus the mean of the other samples of the same group', () => {
  const adv = leaveOneOutAdvantages([1, 0, 0, 1, 0.5, 7], ['q1', 'q1', 'q1', 'q2', 'q2', 'alone']);
  const want = [1 - 0, 0 - 0.5, 0 - 0.5, 1 - 0.5, 0.5 - 1, 0];
  adv.forEach((a, i) => assert.ok(Math.abs(a - want[i]) < 1e-12, `sample ${i}: ${a} vs ${want[i]}`));
  // A group whose samples all earn the same return teaches nothing.
  assert.deepEqual(leaveOneOutAdvantages([1, 1, 1], ['q', 'q', 'q']), [0, 0, 0]);
});

test('whitening by key normalises each group on its own', () => {
  const rows = [[1, 2], [3], [100, 200], [300]];
  whitenBy(rows, ['a', 'a', 'b', 'b']);
  // Both groups have the same shape, so they whiten to the same numbers despite a 100x scale.
  rows[0].forEach((x, k) => assert.ok(Math.abs(x - rows[2][k]) < 1e-6));
  assert.ok(Math.abs(rows[0][0] + 1) < 1e-6 && Math.abs(rows[1][0] - 1) < 1e-6);
});
