// Per-token rewards, GAE and whitening for PPO on responses (TRL's compute_rewards /
// compute_advantages, which the paper's code uses): the KL penalty to the reference policy on every
// response token, the scalar (shaped, influence-aware) reward added on the last one. And the
// critic-free alternative: leave-one-out group baselines over several samples of one question
// (RLOO, Ahmadian et al. 2024), which need no value model.

/**
 * rewards[k] = -klCoef · (logp[k] - refLogp[k]), plus `score` on the last token.
 * All arrays run over the response tokens of one sequence.
 */
export function tokenRewards(score: number, logp: readonly number[], refLogp: readonly number[], klCoef: number): number[] {
  const r = logp.map((lp, k) => -klCoef * (lp - refLogp[k]));
  if (r.length > 0) r[r.length - 1] += score;
  return r;
}

/** Generalised advantage estimation within one response (the value after the last token is 0). */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  gamma: number,
  lam: number,
): { advantages: number[]; returns: number[] } {
  const n = rewards.length;
  const advantages = new Array<number>(n).fill(0);
  let last = 0;
  for (let k = n - 1; k >= 0; k--) {
    const next = k + 1 < n ? values[k + 1] : 0;
    const delta = rewards[k] + gamma * next - values[k];
    last = delta + gamma * lam * last;
    advantages[k] = last;
  }
  return { advantages, returns: advantages.map((a, k) => a + values[k]) };
}

/**
 * Leave-one-out advantages: each sample's return minus the mean return of the other samples of its
 * group (the same question, turn and agent), so that questions every sample gets right (or wrong)
 * teach nothing, and the rest push towards what beat its siblings. A group of one has no baseline:
 * its advantage is 0. `returns` [n], `groups` [n] any keys.
 */
export function leaveOneOutAdvantages(returns: readonly number[], groups: readonly unknown[]): number[] {
  const sums = new Map<unknown, { sum: number; n: number }>();
  returns.forEach((r, i) => {
    const s = sums.get(groups[i]) ?? { sum: 0, n: 0 };
    s.sum += r;
    s.n++;
    sums.set(groups[i], s);
  });
  return returns.map((r, i) => {
    const { sum, n } = sums.get(groups[i])!;
    return n > 1 ? r - (sum - r) / (n - 1) : 0;
  });
}

/** Whitens in place over all tokens of all rows: zero mean, unit variance (unbiased std). */
export function whiten(rows: number[][]): void {
  const flat = rows.flat();
  if (flat.length < 2) return;
  const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
  const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / (flat.length - 1);
  const inv = 1 / Math.sqrt(variance + 1e-8);
  for (const row of rows) for (let k = 0; k < row.length; k++) row[k] = (row[k] - mean) * inv;
}

/** Whitens in place each set of rows that shares a key (e.g. per turn and agent, as the paper's code does). */
export function whitenBy(rows: number[][], keys: readonly unknown[]): void {
  const byKey = new Map<unknown, number[][]>();
  rows.forEach((row, i) => {
    const group = byKey.get(keys[i]);
    if (group) group.push(row);
    else byKey.set(keys[i], [row]);
  });
  for (const group of byKey.values()) whiten(group);
}
