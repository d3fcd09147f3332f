// How well scores in [0, 1] separate and calibrate yes/no labels: the verifier's quality against
// ground truth (maporl/train/verifierSetup.ts) and against annotators (annotations/verifierReport.ts).
// Plain numbers, so both layers can use them.

/** Area under the ROC curve (ties count half); NaN when one class is missing. */
export function auc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]),
    neg = scores.filter((_, i) => !labels[i]);
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/**
 * AUC over the (right, wrong) pairs of the same group only (e.g. answers to one question): how well
 * the scores rank answers *within* a question, which is all that group baselines use of a reward.
 * The plain AUC also credits telling easy questions from hard ones. NaN when no group has both.
 */
export function withinGroupAuc(scores: number[], labels: boolean[], groups: readonly unknown[]): number {
  const byGroup = new Map<unknown, number[]>();
  groups.forEach((g, i) => {
    const idx = byGroup.get(g);
    if (idx) idx.push(i);
    else byGroup.set(g, [i]);
  });
  // Each group's AUC, weighted by its number of (right, wrong) pairs.
  let wins = 0,
    pairs = 0;
  for (const idx of byGroup.values()) {
    const right = idx.filter((i) => labels[i]).length,
      n = right * (idx.length - right);
    if (n === 0) continue;
    wins +=
      n *
      auc(
        idx.map((i) => scores[i]),
        idx.map((i) => labels[i]),
      );
    pairs += n;
  }
  return pairs ? wins / pairs : NaN;
}

/** Expected calibration error with `bins` equal-width bins. */
export function expectedCalibrationError(scores: number[], labels: boolean[], bins = 10): number {
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const idx = scores.flatMap((s, i) => (s >= b / bins && (s < (b + 1) / bins || (b === bins - 1 && s <= 1)) ? [i] : []));
    if (idx.length === 0) continue;
    const conf = idx.reduce((a, i) => a + scores[i], 0) / idx.length;
    const acc = idx.filter((i) => labels[i]).length / idx.length;
    ece += (idx.length / scores.length) * Math.abs(conf - acc);
  }
  return ece;
}
