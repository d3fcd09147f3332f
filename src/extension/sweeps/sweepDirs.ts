// Sweep directories of the runs folders (docs/sweeps.md: a folder whose sweep.json is a plan, with a
// `runs` list), their status and what the report panel shows. Node only, no vscode. Status is the
// engine's sweepStatus, read in this process for every sweep; Slurm's queue is asked asynchronously
// first (slurmQueue.ts), so squeue and sacct never block the host.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sweepReport, type SweepReport } from '../../engine/sweep/report';
import { SweepDir } from '../../engine/sweep/layout';
import { SlurmError, type SlurmTaskState } from '../../engine/sweep/slurm';
import { sweepStatus } from '../../engine/sweep/status';
import type { SweepStatus } from '../../protocol/sweepSchema';
import { guardFile } from '../security/pathGuard';
import { meanBand, rewardCurve, type BandPoint } from './curves';
import { slurmStatesAsync } from './slurmQueue';

/** Whether `dir` holds a sweep plan (not a user's *.sweep.json, which has no `runs`). */
export function isSweepDir(dir: string): boolean {
  try {
    const plan = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { runs?: unknown; name?: unknown };
    return Array.isArray(plan.runs) && typeof plan.name === 'string';
  } catch {
    return false;
  }
}

/** Sweep directories in the runs folders and one level below (runs/sweeps/NAME), sorted by path. */
export function findSweepDirs(folders: readonly string[], depth = 2): string[] {
  const out = new Set<string>();
  const walk = (dir: string, left: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const sub = join(dir, name);
      try {
        if (!statSync(sub).isDirectory()) continue;
      } catch {
        continue;
      }
      if (isSweepDir(sub)) out.add(sub);
      else if (left > 1 && !existsSync(join(sub, 'events.jsonl'))) walk(sub, left - 1); // not inside a run
    }
  };
  for (const f of folders) walk(f, depth);
  return [...out].sort();
}

/** The Slurm jobs a sweep submitted (its `slurm-submit` records in jobs.jsonl). */
function slurmJobIds(dir: string): string[] {
  return [...new Set(new SweepDir(dir).readJobs().flatMap((j) => (j.type === 'slurm-submit' ? [j.jobId] : [])))];
}

/**
 * A sweep's status by one route, local or Slurm alike: the engine's own sweepStatus, in this process,
 * typed end to end. Slurm's task states, the only part that may take seconds, are asked first without
 * blocking the host's thread (slurmQueue.ts); `runsProcesses` false (Restricted Mode): Slurm is not
 * asked, its runs' states come from their files alone.
 */
export async function loadSweepStatus(dir: string, runsProcesses = true): Promise<SweepStatus> {
  const jobIds = slurmJobIds(dir);
  const queue = !jobIds.length
    ? new Map<string, SlurmTaskState>()
    : runsProcesses
      ? await slurmStatesAsync(jobIds)
      : new SlurmError('Restricted Mode: Slurm not asked');
  return sweepStatus(dir, {
    slurm: () => {
      if (queue instanceof SlurmError) throw queue;
      return queue;
    },
  });
}

export interface CellCurve {
  cell: string;
  seeds: number;
  band: BandPoint[];
}
export interface SweepReportData {
  dir: string;
  report: SweepReport;
  curves: CellCurve[];
}

/**
 * The report (the engine's own aggregation, as `maporl sweep report` writes it) and the reward curves
 * of every cell. Only files inside `roots` (the runs folders) are read, links resolved.
 */
export function readSweepReportData(dir: string, roots: string[]): SweepReportData {
  const plan = guardFile(join(dir, 'sweep.json'), roots, []);
  if (!plan.ok) throw new Error(plan.reason);
  const report = sweepReport(dir);
  const curves = report.cells.map((c): CellCurve => {
    const perSeed = c.runs.flatMap((name) => {
      const f = guardFile(join(dir, 'runs', name, 'events.jsonl'), roots, []);
      if (!f.ok) return [];
      const curve = rewardCurve(readFileSync(f.path, 'utf8'));
      return curve.length ? [curve] : [];
    });
    return { cell: c.cell, seeds: perSeed.length, band: meanBand(perSeed) };
  });
  return { dir, report, curves };
}
