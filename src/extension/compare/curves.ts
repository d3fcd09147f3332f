// A run's training curves for the comparison panel, from its events.jsonl: reward and majority
// accuracy per turn of the training iterations, and majority accuracy per turn of the evaluations.
// Events are folded as the dashboard folds them (runState.ts), so a resumed run's repeated steps
// replace the old ones. Long runs are thinned to at most `maxPoints` per curve (every k-th point and
// the last), which is what a chart a few hundred pixels wide can show. Pure.
import type { CurvePoint } from '../../protocol/compareView';
import type { MetricsPoint } from '../../protocol/runRecords';
import { appendMetricsPoint } from '../runData/runModel';
import { emptyRunState, foldEvent, readRunEvent } from '../runData/runState';

export const MAX_CURVE_POINTS = 2000;

export interface RunCurves {
  train: CurvePoint[];
  eval: CurvePoint[];
  /** 1-based lines that are not JSON or not a valid event (a half-written last line is not counted). */
  badLines: number[];
}

const toPoint = (m: MetricsPoint): CurvePoint => ({
  step: m.step,
  reward: typeof m.reward === 'number' ? m.reward : null,
  majority: (m.majorityAccuracy ?? []).map((v) => (typeof v === 'number' ? v : null)),
});

/** Every k-th point so that at most `max` remain, always keeping the last. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const every = Math.ceil(points.length / Math.max(1, max - 1));
  const out = points.filter((_, i) => i % every === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/** The curves in the text of an events.jsonl. */
export function curvesFromEvents(text: string, maxPoints = MAX_CURVE_POINTS): RunCurves {
  const state = emptyRunState();
  const train: MetricsPoint[] = [];
  const evals: MetricsPoint[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  // The last piece is '' after a final newline, or a line still being written: skipped either way.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      badLines.push(i + 1);
      continue;
    }
    const { event: valid } = readRunEvent(event);
    if (!valid) {
      badLines.push(i + 1);
      continue;
    }
    const folded = foldEvent(state, valid);
    if (folded) appendMetricsPoint(folded.split === 'train' ? train : evals, folded.point);
  }
  return { train: thin(train.map(toPoint), maxPoints), eval: thin(evals.map(toPoint), maxPoints), badLines };
}
