// Verifier training data and quality: per-question balancing, AUC and expected calibration error.
import type { Rng } from '../core/random';
import type { LabelledExample } from './verifier';

/** Keeps, per question, as many correct as incorrect responses (the smaller count of each). */
export function balancePerQuestion(examples: LabelledExample[], rng: Rng): LabelledExample[] {
  const byQ = new Map<string, LabelledExample[]>();
  for (const x of examples) byQ.set(x.question, [...(byQ.get(x.question) ?? []), x]);
  const out: LabelledExample[] = [];
  for (const xs of byQ.values()) {
    const pos = rng.shuffle(xs.filter((x) => x.correct)), neg = rng.shuffle(xs.filter((x) => !x.correct));
    const n = Math.min(pos.length, neg.length);
    out.push(...pos.slice(0, n), ...neg.slice(0, n));
  }
  return out;
}

/** Area under the ROC curve (ties count half); NaN when one class is missing. */
export function auc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]), neg = scores.filter((_, i) => !labels[i]);
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
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
