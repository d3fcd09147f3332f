// Training curves of a sweep's cell: each seed's reward per iteration from its events.jsonl, then at
// every iteration the mean and the sample standard deviation over the seeds that have it (the seeds of
// a cell share the iteration schedule, so steps align). Pure, no vscode.
import type { Stat } from '../../engine/sweep/report';
import { stat } from '../../engine/sweep/report';
import { readRunEvent } from '../runData/runState';

export interface Point {
  step: number;
  value: number;
}
/** Mean ± std over n seeds at one step (std null for a single seed: no band there). */
export interface BandPoint extends Stat {
  step: number;
}

/**
 * The reward of every training iteration (`metrics` events of split train, validated as the dashboard
 * validates them), the last line per step winning (a resumed run repeats steps).
 */
export function rewardCurve(eventsJsonl: string): Point[] {
  const byStep = new Map<number, number>();
  for (const line of eventsJsonl.split('\n')) {
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue; // a line cut by a kill
    }
    const { event } = readRunEvent(record);
    if (event?.type !== 'metrics' || event.split === 'eval') continue;
    if (typeof event.reward === 'number') byStep.set(event.step, event.reward);
  }
  return [...byStep].map(([step, value]) => ({ step, value })).sort((a, b) => a.step - b.step);
}

/** At every step any curve has: mean and sample std (n − 1) of the curves' values there. */
export function meanBand(curves: readonly Point[][]): BandPoint[] {
  const byStep = new Map<number, number[]>();
  for (const c of curves) for (const p of c) byStep.set(p.step, [...(byStep.get(p.step) ?? []), p.value]);
  return [...byStep].sort((a, b) => a[0] - b[0]).map(([step, xs]) => ({ step, ...(stat(xs) as Stat) }));
}
