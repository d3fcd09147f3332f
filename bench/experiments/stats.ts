// The suite's test of a finding: training seeds are the unit (issue 23). A difference measured on n
// seeds gets a paired t interval with n - 1 degrees of freedom and a two-sided p-value; the second
// view is a bootstrap that resamples seeds, then questions within each seed (both sources of
// variance, where the question bootstrap alone leaves the seed variance out).
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { quantile } from '../../src/engine/compare/pairedStats';
import { Rng } from '../../src/engine/core/random';

export interface SeedTest {
  n: number;
  mean: number;
  sd: number;
  /** 95% t interval of the mean over seeds. */
  ci: [number, number];
  /** Two-sided p-value of mean = 0. */
  p: number;
  /**
   * The smallest true difference this design detects with 80% power at the 5% level, were the
   * seed spread what was measured: (t_{0.975, n-1} + t_{0.8, n-1}) · sd / √n.
   */
  detectable: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The paired t test over seeds of per-seed differences; null below two seeds. */
export function seedTest(perSeed: readonly number[]): SeedTest | null {
  const n = perSeed.length;
  if (n < 2) return null;
  const m = mean(perSeed);
  const sd = Math.sqrt(perSeed.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const q = tQuantile(0.975, df);
  const p = se === 0 ? (m === 0 ? 1 : 0) : 2 * (1 - tCdf(Math.abs(m / se), df));
  return { n, mean: m, sd, ci: [m - q * se, m + q * se], p, detectable: (q + tQuantile(0.8, df)) * se };
}

/**
 * 95% percentile interval of the mean difference, resampling seeds and then questions within each
 * drawn seed. `perSeedQuestion[s][q]`: the paired difference of question q at seed s.
 */
export function twoLevelBootstrapCI(
  perSeedQuestion: readonly (readonly number[])[],
  resamples = 2000,
  seed = 7,
): [number, number] {
  const rng = new Rng(seed, 'bootstrap/seeds-then-questions');
  const S = perSeedQuestion.length;
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    for (let i = 0; i < S; i++) {
      const qs = perSeedQuestion[rng.int(0, S - 1)];
      let sum = 0;
      for (let j = 0; j < qs.length; j++) sum += qs[rng.int(0, qs.length - 1)];
      total += sum / qs.length;
    }
    stats[r] = total / S;
  }
  stats.sort();
  return [quantile(stats, 0.025), quantile(stats, 0.975)];
}
