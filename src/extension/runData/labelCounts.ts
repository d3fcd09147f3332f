// Label counts of a run (annotations.jsonl), for the Runs view and the dashboard: re-read only when
// the file changes (its stamp), since the views ask on every refresh. Node fs only.
import { join } from 'node:path';
import { ANNOTATIONS_FILE, readAnnotationsFile } from '../../engine/annotations/store';
import type { LabelSummary } from '../../protocol/webview';
import { fileStamp } from './annotationFile';

export const NO_LABELS: LabelSummary = { total: 0, byLabel: [], annotators: 0, notes: 0 };

const cache = new Map<string, { stamp: string; counts: LabelSummary }>();

export function labelCounts(runDir: string): LabelSummary {
  const path = join(runDir, ANNOTATIONS_FILE);
  const stamp = fileStamp(path);
  if (stamp === 'none') return NO_LABELS;
  const hit = cache.get(path);
  if (hit?.stamp === stamp) return hit.counts;
  let counts = NO_LABELS;
  try {
    const { annotations } = readAnnotationsFile(runDir);
    const byLabel = new Map<string, number>();
    for (const a of annotations) if (a.label !== undefined) byLabel.set(a.label, (byLabel.get(a.label) ?? 0) + 1);
    counts = {
      total: [...byLabel.values()].reduce((s, n) => s + n, 0),
      byLabel: [...byLabel]
        .map(([label, count]) => ({ label, count }))
        .sort((x, y) => y.count - x.count || x.label.localeCompare(y.label)),
      annotators: new Set(annotations.map((a) => a.annotator)).size,
      notes: annotations.filter((a) => a.note !== undefined).length,
    };
  } catch {
    /* unreadable: no counts */
  }
  cache.set(path, { stamp, counts });
  return counts;
}

/** `12 labels · 2 annotators`, or '' when there are none. */
export function labelCountsText(c: LabelSummary): string {
  if (!c.total && !c.notes) return '';
  const parts = [`${c.total} label${c.total === 1 ? '' : 's'}`];
  if (c.notes) parts.push(`${c.notes} note${c.notes === 1 ? '' : 's'}`);
  if (c.annotators > 1) parts.push(`${c.annotators} annotators`);
  return parts.join(' · ');
}
