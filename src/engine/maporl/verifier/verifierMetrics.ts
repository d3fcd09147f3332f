// Verifier training data: per-question balancing (its quality metrics are in core/scoreMetrics.ts).
import type { Rng } from '../../core/random';
import type { LabelledExample } from './verifier';

/** Keeps, per question, as many correct as incorrect responses (the smaller count of each). */
export function balancePerQuestion(examples: LabelledExample[], rng: Rng): LabelledExample[] {
  const byQ = new Map<string, LabelledExample[]>();
  for (const x of examples) byQ.set(x.question, [...(byQ.get(x.question) ?? []), x]);
  const out: LabelledExample[] = [];
  for (const xs of byQ.values()) {
    const pos = rng.shuffle(xs.filter((x) => x.correct)),
      neg = rng.shuffle(xs.filter((x) => !x.correct));
    const n = Math.min(pos.length, neg.length);
    out.push(...pos.slice(0, n), ...neg.slice(0, n));
  }
  return out;
}
