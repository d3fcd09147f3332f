// The suite's seed-level test: a paired t interval over seeds (checked against values worked out by
// hand from the t table) and the two-level bootstrap (seeds, then questions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedTest, twoLevelBootstrapCI } from '../../bench/experiments/stats';

test('seedTest: mean, t interval with n - 1 df, two-sided p, detectable effect', () => {
  // [1..5]: mean 3, sd √2.5 = 1.5811, se 0.7071, t = 4.2426 on 4 df; t_{.975,4} = 2.7764, t_{.8,4} = 0.9410.
  const r = seedTest([1, 2, 3, 4, 5])!;
  assert.equal(r.n, 5);
  assert.equal(r.mean, 3);
  assert.ok(Math.abs(r.sd - 1.58114) < 1e-5);
  assert.ok(
    Math.abs(r.ci[0] - (3 - 2.77645 * 0.707107)) < 1e-4 && Math.abs(r.ci[1] - (3 + 2.77645 * 0.707107)) < 1e-4,
    `${r.ci}`,
  );
  assert.ok(Math.abs(r.p - 0.01324) < 1e-4, `p ${r.p}`);
  assert.ok(Math.abs(r.detectable - (2.77645 + 0.94096) * 0.707107) < 1e-3, `${r.detectable}`);
  // Three seeds with mean > 1 sd ("beyond the spread") is far from significant: t = 1.73 → p ≈ 0.23.
  const weak = seedTest([0, 1, 2])!; // mean 1 = sd
  assert.ok(Math.abs(weak.p - 0.225) < 0.01, `p ${weak.p}`);
  assert.equal(seedTest([4]), null, 'one seed has no spread');
});

test('twoLevelBootstrapCI: covers the mean; wider when seeds disagree than when only questions vary', () => {
  const same = Array.from({ length: 5 }, () => Array.from({ length: 200 }, (_, q) => (q % 4 === 0 ? 1 : 0)));
  const apart = same.map((qs, s) => qs.map((x) => x + (s - 2) * 0.1));
  const [a0, a1] = twoLevelBootstrapCI(same);
  const [b0, b1] = twoLevelBootstrapCI(apart);
  assert.ok(a0 < 0.25 && 0.25 < a1, `${a0} ${a1}`);
  // Identical seeds: the interval of 1000 resampled questions' mean, ±1.96 · √(0.25 · 0.75 / 1000) ≈ ±0.027.
  assert.ok(Math.abs(a0 - (0.25 - 0.027)) < 0.008 && Math.abs(a1 - (0.25 + 0.027)) < 0.008, `${a0} ${a1}`);
  assert.ok(b0 < 0.25 && 0.25 < b1, `${b0} ${b1}`);
  assert.ok(b1 - b0 > 1.5 * (a1 - a0), `seed spread widens the interval: ${b1 - b0} vs ${a1 - a0}`);
});
