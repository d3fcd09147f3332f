// The paired statistics of `maporl compare` against values computed independently: McNemar's exact
// p-values from the binomial sum by hand (and with Python's exact fractions for large counts), and
// bootstrap intervals whose resampling distribution is known in closed form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mcnemarExact, pairedBootstrapCI, quantile } from '../../../src/engine/compare/pairedStats';

const close = (actual: number, expected: number, rel = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} vs ${expected}`);

test('McNemar exact p-values equal 2·P(Binomial(b+c, 1/2) <= min(b, c)), capped at 1', () => {
  assert.equal(mcnemarExact(0, 5), 0.0625, '2 · 1/32');
  assert.equal(mcnemarExact(5, 0), 0.0625, 'symmetric');
  assert.equal(mcnemarExact(1, 9), 0.021484375, '2 · (1 + 10) / 1024');
  assert.equal(mcnemarExact(2, 10), 0.03857421875, '2 · (1 + 12 + 66) / 4096');
  assert.equal(mcnemarExact(3, 1), 0.625, '2 · (1 + 4) / 16');
  assert.equal(mcnemarExact(6, 8), 0.79052734375, '2 · (1 + 14 + 91 + 364 + 1001 + 2002 + 3003) / 16384');
  assert.equal(mcnemarExact(5, 5), 1, 'a tie: the doubled tail passes 1');
  assert.equal(mcnemarExact(0, 0), 1, 'no discordant pairs');
  assert.equal(mcnemarExact(0, 1), 1, 'one discordant pair: 2 · 1/2');
});

test('McNemar stays exact where 2^n and C(n, k) leave the double range', () => {
  // Python: fractions.Fraction(2 * sum(math.comb(n, k) for k in range(min(b, c) + 1)), 2 ** n)
  close(mcnemarExact(450, 550), 0.0017305360849763176);
  close(mcnemarExact(40, 1200), 3.86920843398597e-298);
  assert.equal(mcnemarExact(500, 500), 1);
});

test('McNemar refuses counts that are not non-negative integers', () => {
  assert.throws(() => mcnemarExact(-1, 3), /non-negative integers/);
  assert.throws(() => mcnemarExact(1.5, 3), /non-negative integers/);
});

test('quantile interpolates between order statistics like numpy.quantile', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
});

const opts = { resamples: 2000, seed: 7, confidence: 0.95 };

test('the bootstrap interval is deterministic for a seed and moves with it', () => {
  // Tie-split credits make uneven differences, so resampled means do not sit on a coarse grid.
  const diffs = [1, 1 / 3, 0, -1, 0.5, 1, 0, -1 / 3, 1, 0, -0.5, 0, 1, 2 / 3, 0, 1];
  assert.deepEqual(pairedBootstrapCI(diffs, opts), pairedBootstrapCI(diffs, opts));
  assert.notDeepEqual(pairedBootstrapCI(diffs, opts), pairedBootstrapCI(diffs, { ...opts, seed: 8 }));
});

test('the bootstrap interval contains the point estimate and collapses when every pair agrees', () => {
  const diffs = [1, 0, 0, -1, 1, 1, 0, 0, 1, 0, -1, 0, 1, 0, 0, 1];
  const [lo, hi] = pairedBootstrapCI(diffs, opts);
  const estimate = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  assert.ok(lo < estimate && estimate < hi, `${lo} < ${estimate} < ${hi}`);
  assert.deepEqual(pairedBootstrapCI([0, 0, 0, 0], opts), [0, 0]);
  assert.deepEqual(pairedBootstrapCI([0.5], opts), [0.5, 0.5]);
});

test('bootstrap intervals match distributions known in closed form', () => {
  // Two pairs 0 and 1: resampled means are 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4, so the
  // 2.5% and 97.5% quantiles are the extremes.
  assert.deepEqual(pairedBootstrapCI([0, 1], opts), [0, 1]);
  // 30 gains, 10 losses, 60 ties: mean 0.2, plug-in sd sqrt(0.4 - 0.04) = 0.6, standard error
  // 0.06, so the interval is close to the normal one 0.2 ± 1.96 · 0.06 = [0.0824, 0.3176].
  const diffs = [...Array(30).fill(1), ...Array(10).fill(-1), ...Array(60).fill(0)];
  const [lo, hi] = pairedBootstrapCI(diffs, opts);
  assert.ok(Math.abs(lo - 0.0824) < 0.02 && Math.abs(hi - 0.3176) < 0.02, `[${lo}, ${hi}]`);
});

test('the bootstrap refuses an empty sample and a confidence outside (0, 1)', () => {
  assert.throws(() => pairedBootstrapCI([], opts), /no pairs/);
  assert.throws(() => pairedBootstrapCI([1], { ...opts, confidence: 1 }), /confidence/);
});
