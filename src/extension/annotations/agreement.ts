// The agreement the transcripts editor shows: the engine's per-label kappa (engine/annotations/
// agreement.ts, the same numbers as `maporl annotations stats`), for two annotators or more. Pure.
import type { Annotation } from '../../protocol/annotations';
import type { Agreement } from '../../protocol/transcriptsEditor';
import { labelAgreement } from '../../engine/annotations/agreement';

/** Per label of `labels` (then any other label used), when at least two annotators labelled; else []. */
export function agreementOf(annotations: Annotation[], labels: readonly string[]): Agreement[] {
  const labelled = annotations.filter((a) => a.label !== undefined);
  if (new Set(labelled.map((a) => a.annotator)).size < 2) return [];
  const used = [...new Set(labelled.map((a) => a.label!))].filter((l) => !labels.includes(l)).sort();
  return [...labels, ...used].map((label) => {
    const { kappa, pairs } = labelAgreement(annotations, label);
    return { label, kappa, pairs: pairs.map((p) => ({ annotators: p.annotators, kappa: p.kappa, items: p.items })) };
  });
}
