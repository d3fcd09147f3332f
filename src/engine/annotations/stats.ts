// What a run's annotations add up to: label counts (all and per annotator), how many discussions
// were annotated, and agreement per label. Pure, for `maporl annotations stats` and the extension.
import { type Annotation, annotatedDiscussion, DEFAULT_LABELS, targetKey } from '../../protocol/annotations';
import { labelAgreement, type LabelAgreement } from './agreement';

export interface LabelStats extends LabelAgreement {
  /** Records with this label (one per annotator and target). */
  count: number;
  byAnnotator: Record<string, number>;
}

export interface AnnotationStats {
  records: number;
  notes: number;
  annotators: string[];
  /** Discussions with at least one label or note. */
  discussions: number;
  /** Distinct targets (discussions, turns, responses) with at least one label. */
  labelledTargets: number;
  /** In the order of `labels` given, then the others by name. */
  labels: LabelStats[];
}

/** `labels`: the label set to list even where unused (default: DEFAULT_LABELS). */
export function annotationStats(all: Annotation[], labels: readonly string[] = DEFAULT_LABELS): AnnotationStats {
  // A record saved twice (a copied file, a merge by hand) is one judgement, not two.
  const seen = new Set<string>();
  const annotations = all.filter((a) => {
    const key = JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    return !seen.has(key) && seen.add(key) !== undefined;
  });
  const labelled = annotations.filter((a) => a.label !== undefined);
  const used = [...new Set(labelled.map((a) => a.label!))].filter((l) => !labels.includes(l)).sort();
  return {
    records: annotations.length,
    notes: annotations.filter((a) => a.note !== undefined).length,
    annotators: [...new Set(annotations.map((a) => a.annotator))].sort(),
    discussions: new Set(annotations.map(annotatedDiscussion)).size,
    labelledTargets: new Set(labelled.map(targetKey)).size,
    labels: [...labels, ...used].map((label) => {
      const mine = labelled.filter((a) => a.label === label);
      const byAnnotator: Record<string, number> = {};
      for (const a of mine) byAnnotator[a.annotator] = (byAnnotator[a.annotator] ?? 0) + 1;
      return { count: mine.length, byAnnotator, ...labelAgreement(annotations, label) };
    }),
  };
}

/** A plain-text table of the stats (the CLI's output). */
export function formatAnnotationStats(s: AnnotationStats): string {
  const head = `${s.records} records (${s.notes} with a note) by ${s.annotators.length} annotator(s) on ${s.discussions} discussion(s), ${s.labelledTargets} labelled target(s)`;
  const width = Math.max(5, ...s.labels.map((l) => l.label.length));
  const rows = s.labels.map((l) => {
    const who = Object.entries(l.byAnnotator)
      .map(([a, n]) => `${a} ${n}`)
      .join(', ');
    const kappa = l.kappa === null ? '—' : l.kappa.toFixed(3);
    return `${l.label.padEnd(width)}  ${String(l.count).padStart(5)}  ${kappa.padStart(6)}  ${who}`.trimEnd();
  });
  return [head, '', `${'label'.padEnd(width)}  count   kappa  by annotator`, ...rows].join('\n');
}
