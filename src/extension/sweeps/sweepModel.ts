// The Sweeps view's model, from `sweepStatus` JSON (docs/sweeps.md): a sweep, its cells (runs that
// differ only by seed, in plan order) and their runs with state and progress. Pure, no vscode.
import { SWEEP_RUN_STATES, type SweepRunState, type SweepRunStatus, type SweepStatus } from '../../protocol/sweepSchema';

export interface SweepCell {
  cell: string;
  runs: SweepRunStatus[];
  counts: Record<SweepRunState, number>;
}

export interface SweepTree {
  dir: string;
  name: string;
  counts: Record<SweepRunState, number>;
  /** A run is running or queued: the view polls while this holds. */
  active: boolean;
  cells: SweepCell[];
}

const countStates = (runs: readonly SweepRunStatus[]) =>
  Object.fromEntries(SWEEP_RUN_STATES.map((s) => [s, runs.filter((r) => r.state === s).length])) as Record<SweepRunState, number>;

export const isLive = (r: SweepRunStatus): boolean => r.state === 'running' || (r.state === 'pending' && r.message === 'queued');

export function sweepTree(status: SweepStatus): SweepTree {
  const cells = [...new Set(status.runs.map((r) => r.cell))].map((cell) => {
    const runs = status.runs.filter((r) => r.cell === cell);
    return { cell, runs, counts: countStates(runs) };
  });
  return { dir: status.dir, name: status.name, counts: countStates(status.runs), active: status.runs.some(isLive), cells };
}

/** `3 running · 2 finished · 1 failed` (states with no run left out, in SWEEP_RUN_STATES order). */
export function countsText(counts: Record<SweepRunState, number>): string {
  const parts = SWEEP_RUN_STATES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.join(' · ') || 'no runs';
}

/** `step 12/50 (24%)`, `step 12`, or '' before the run has an event. */
export function runProgressText(r: SweepRunStatus): string {
  if (r.step === null) return '';
  if (!r.totalSteps) return `step ${r.step}`;
  return `step ${r.step}/${r.totalSteps} (${Math.floor((100 * r.step) / r.totalSteps)}%)`;
}

/** The tree item's description of a run: `seed 2 · running · step 12/50 (24%) · slurm 56_3 RUNNING`. */
export function runDescription(r: SweepRunStatus): string {
  return [`seed ${r.seed}`, r.message === 'queued' ? 'queued' : r.state, runProgressText(r), r.where ?? '']
    .filter(Boolean)
    .join(' · ');
}

/** Progress of a set of runs in percent: the steps done over the steps planned (runs without a total count as not started). */
export function percentDone(runs: readonly SweepRunStatus[]): number {
  if (!runs.length) return 0;
  const one = (r: SweepRunStatus) =>
    r.state === 'finished' ? 1 : r.totalSteps && r.step !== null ? Math.min(1, r.step / r.totalSteps) : 0;
  return (100 * runs.reduce((a, r) => a + one(r), 0)) / runs.length;
}
