// The comparison's overlaid curves as uPlot columns: the runs' points merged on one step axis (the
// union of their steps), one series per run (and per turn for per-turn metrics), null where a run has
// no point at a step. Pure: no DOM.
import type { CurvePoint, RunCurve } from '../../src/protocol/compareView';

export interface OverlaySpec {
  id: 'reward' | 'majority' | 'evalMajority';
  title: string;
  source: 'train' | 'eval';
  /** One series per turn of majority accuracy, or the scalar reward. */
  perTurn: boolean;
  range?: [number, number];
}

export const OVERLAYS: readonly OverlaySpec[] = [
  { id: 'reward', title: 'Reward', source: 'train', perTurn: false },
  { id: 'majority', title: 'Majority accuracy per turn (training)', source: 'train', perTurn: true, range: [0, 1] },
  { id: 'evalMajority', title: 'Evaluation: majority accuracy per turn', source: 'eval', perTurn: true, range: [0, 1] },
];

export interface OverlaySeries {
  label: string;
  /** Index of the run in the curves (its colour). */
  run: number;
  /** 0-based turn for per-turn metrics (its dash), else null. */
  turn: number | null;
  values: (number | null)[];
}

export interface Overlay {
  steps: number[];
  series: OverlaySeries[];
}

export function overlay(curves: readonly RunCurve[], spec: OverlaySpec): Overlay {
  const pointsOf = (c: RunCurve): CurvePoint[] => (spec.source === 'eval' ? c.eval : c.train);
  const steps = [...new Set(curves.flatMap((c) => pointsOf(c).map((p) => p.step)))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const series: OverlaySeries[] = [];
  curves.forEach((c, run) => {
    const points = pointsOf(c);
    if (points.length === 0) return;
    const column = (value: (p: CurvePoint) => number | null) => {
      const values = new Array<number | null>(steps.length).fill(null);
      for (const p of points) values[at.get(p.step)!] = value(p);
      return values;
    };
    if (!spec.perTurn) {
      series.push({ label: c.run, run, turn: null, values: column((p) => p.reward) });
      return;
    }
    const turns = Math.max(0, ...points.map((p) => p.majority.length));
    for (let t = 0; t < turns; t++)
      series.push({ label: `${c.run} · turn ${t + 1}`, run, turn: t, values: column((p) => p.majority[t] ?? null) });
  });
  return { steps, series: series.filter((s) => s.values.some((v) => v !== null)) };
}
