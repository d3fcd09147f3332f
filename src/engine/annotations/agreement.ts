// Inter-annotator agreement per label (Cohen 1960). Pure: no file or runtime imports, so the
// extension can call it.
//
// Items. For annotators X and Y, the items are the targets (targetKey: a discussion, a turn or one
// response) that both gave at least one label; on each item and for a label L the rating is "gave
// L" or "did not". Targets only one of them labelled are left out: there, a missing label cannot be
// told from "not looked at". Note-only records label nothing.
//
// More than two annotators: Light's kappa, the mean of the pairwise Cohen's kappas over the pairs
// whose kappa is defined. (Fleiss' kappa assumes every item rated by the same number of raters;
// here each annotator covers a different part of a run.)
import { type Annotation, targetKey } from '../../protocol/annotations';

/** A 2×2 table for one label: both gave it, only X, only Y, neither. */
export interface AgreementTable {
  both: number;
  onlyX: number;
  onlyY: number;
  neither: number;
}

/**
 * κ = (p_o − p_e) / (1 − p_e), p_o the observed agreement, p_e = p_X·p_Y + (1 − p_X)(1 − p_Y) the
 * agreement expected by chance from each annotator's rate of giving the label. Null when there are
 * no items or p_e = 1 (both gave the label to all items, or both to none: no variation to agree on).
 */
export function cohensKappa(t: AgreementTable): number | null {
  const n = t.both + t.onlyX + t.onlyY + t.neither;
  if (n === 0) return null;
  const po = (t.both + t.neither) / n;
  const px = (t.both + t.onlyX) / n,
    py = (t.both + t.onlyY) / n;
  const pe = px * py + (1 - px) * (1 - py);
  return pe >= 1 ? null : (po - pe) / (1 - pe);
}

export interface PairAgreement {
  annotators: [string, string];
  /** Targets both labelled. */
  items: number;
  table: AgreementTable;
  kappa: number | null;
}

export interface LabelAgreement {
  label: string;
  pairs: PairAgreement[];
  /** Cohen's κ with two annotators; Light's κ (mean over pairs with a defined κ) with more; null when none is defined. */
  kappa: number | null;
}

/** Each annotator's labels by target: annotator → targetKey → labels. */
export function labelsByAnnotator(annotations: Annotation[]): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const a of annotations) {
    if (a.label === undefined) continue;
    const targets = out.get(a.annotator) ?? new Map<string, Set<string>>();
    out.set(a.annotator, targets);
    const key = targetKey(a);
    targets.set(key, (targets.get(key) ?? new Set()).add(a.label));
  }
  return out;
}

/** Agreement on `label` between every pair of annotators (sorted by name). */
export function labelAgreement(annotations: Annotation[], label: string): LabelAgreement {
  const by = labelsByAnnotator(annotations);
  const names = [...by.keys()].sort();
  const pairs: PairAgreement[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const x = by.get(names[i])!,
        y = by.get(names[j])!;
      const table: AgreementTable = { both: 0, onlyX: 0, onlyY: 0, neither: 0 };
      let items = 0;
      for (const [target, xs] of x) {
        const ys = y.get(target);
        if (!ys) continue;
        items++;
        const hx = xs.has(label),
          hy = ys.has(label);
        if (hx && hy) table.both++;
        else if (hx) table.onlyX++;
        else if (hy) table.onlyY++;
        else table.neither++;
      }
      pairs.push({ annotators: [names[i], names[j]], items, table, kappa: cohensKappa(table) });
    }
  }
  const defined = pairs.flatMap((p) => (p.kappa === null ? [] : [p.kappa]));
  return { label, pairs, kappa: defined.length ? defined.reduce((s, k) => s + k, 0) / defined.length : null };
}
