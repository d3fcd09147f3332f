// Statistics of two systems scored on the same questions (paired samples):
// - McNemar's exact test: of the n = b + c discordant questions (right for one system only), under
//   the null each is equally likely to favour either side, so b ~ Binomial(n, 1/2) and the
//   two-sided p-value is min(1, 2 · P(X <= min(b, c))) (McNemar 1947; the exact form as in
//   statsmodels' `mcnemar(exact=True)`). Computed in integers: no chi-square approximation.
// - Paired bootstrap: resample questions with replacement, keeping each question's pair together,
//   and take percentiles of the resampled mean differences (Efron & Tibshirani 1993, §13).
import { Rng } from '../core/random';

/** McNemar's exact two-sided p-value for `b` and `c` discordant pairs. */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0)
    throw new Error(`mcnemarExact: counts must be non-negative integers, got ${b} and ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  // 2 · sum_{k <= min(b, c)} C(n, k) / 2^n, with C(n, k) built up exactly as big integers.
  const tail = Math.min(b, c);
  let term = 1n,
    sum = 1n;
  for (let k = 1; k <= tail; k++) {
    term = (term * BigInt(n - k + 1)) / BigInt(k);
    sum += term;
  }
  return Math.min(1, ratioToPowerOfTwo(2n * sum, n));
}

/** `num / 2^exp` as a double; `num` may exceed the double range, so it is cut to its top 64 bits first. */
function ratioToPowerOfTwo(num: bigint, exp: number): number {
  const shift = Math.max(0, num.toString(2).length - 64);
  return Number(num >> BigInt(shift)) * 2 ** (shift - exp);
}

export interface BootstrapOptions {
  /** Number of resamples (e.g. 2000). */
  resamples: number;
  /** Seed of the resampling: the same seed gives the same interval. */
  seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  confidence: number;
}

/** Percentile interval of the mean of paired differences `diffs` (one per question). */
export function pairedBootstrapCI(diffs: readonly number[], o: BootstrapOptions): [number, number] {
  const n = diffs.length;
  if (n === 0) throw new Error('pairedBootstrapCI: no pairs');
  if (!(o.confidence > 0 && o.confidence < 1))
    throw new Error(`pairedBootstrapCI: confidence must be in (0, 1), got ${o.confidence}`);
  const rng = new Rng(o.seed, 'paired-bootstrap');
  const means = new Float64Array(o.resamples);
  for (let r = 0; r < o.resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[rng.int(0, n - 1)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = 1 - o.confidence;
  return [quantile(means, alpha / 2), quantile(means, 1 - alpha / 2)];
}

/** Linear interpolation between order statistics (R's type 7, numpy's default) of sorted `xs`. */
export function quantile(xs: Float64Array | readonly number[], q: number): number {
  const h = (xs.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < xs.length ? xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo]) : xs[lo];
}
