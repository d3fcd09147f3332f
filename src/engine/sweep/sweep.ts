// `maporl sweep`: expand and write the plan, then hand what is not done to an executor. Re-running
// is the resume: finished, running and queued runs are left alone; the rest start over, or resume
// from their checkpoint (`train --resume`). Cancel signals what the sweep directory recorded.
import * as os from 'node:os';
import * as path from 'node:path';
import type { SweepRunState, SweepStatus } from '../../protocol/sweepSchema';
import { withRunLock } from '../io/runLock';
import { outputDir } from '../io/outputs';
import { SweepDir } from './layout';
import { basesToPrepare, baseSbatchArgs, prepareArgs, prepareLocal, submitBases } from './baseStage';
import { runLocal } from './local';
import { loadSweep, mergePlan, writePlan } from './plan';
import { cancelJobs, sbatchArgs, submitArray } from './slurm';
import { processAlive, sweepStatus } from './status';

export type Executor = 'local' | 'slurm';

export interface Action {
  index: number;
  name: string;
  state: SweepRunState;
  /** train: from the start; resume: from its checkpoint; skip: finished, running or queued. */
  action: 'train' | 'resume' | 'skip';
}

export interface SweepOptions {
  file: string;
  /** The sweep directory (default sweeps/NAME under the working directory). */
  out?: string;
  executor?: Executor;
  dryRun?: boolean;
  /** The command that starts `maporl` (node, its flags, the CLI script). */
  cli: readonly string[];
  say?: (line: string) => void;
}

export interface SweepOutcome {
  dir: string;
  executor: Executor;
  actions: Action[];
  /** slurm: the array job submitted (none when nothing was to do). */
  jobId?: string;
  /** The sbatch command line (slurm), for --dry-run. */
  sbatch?: string[];
  /** The base-agent stage before the runs (--dry-run): one command line per recipe the cache lacks. */
  baseStage?: string[][];
  /** slurm: the base-agent jobs the array waits for. */
  baseJobIds?: string[];
  /** local: the state after the runs exited. */
  status?: SweepStatus;
}

export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  const loaded = loadSweep(o.file);
  const dir = o.out ?? path.join('sweeps', loaded.name);
  outputDir(dir); // a file or a device named by --out is refused before anything is written
  // One sweep at a time per directory, from before it reads what runs until it exits: two sweeps
  // started together would each find nothing running and start (or prepare) everything twice.
  return o.dryRun ? sweepLocked(o, loaded, dir) : withRunLock(dir, o.say, () => sweepLocked(o, loaded, dir));
}

async function sweepLocked(o: SweepOptions, loaded: ReturnType<typeof loadSweep>, dir: string): Promise<SweepOutcome> {
  const sd = new SweepDir(dir);
  const executor = o.executor ?? loaded.sweep.executor;
  const plan = mergePlan(dir, loaded);
  const mine = new Set(loaded.runs.map((r) => r.name));
  const status = sweepStatus(dir, { plan });
  const actions: Action[] = status.runs
    .filter((r) => mine.has(r.name))
    .map((r) => ({
      index: r.index,
      name: r.name,
      state: r.state,
      action:
        r.state === 'finished' || r.state === 'running' || r.message === 'queued' ? 'skip' : r.resumable ? 'resume' : 'train',
    }));
  const todo = actions.filter((a) => a.action !== 'skip');
  const threads = new Map(loaded.runs.map((r) => [r.name, r.config.runtime.threads]));
  const cpus = Math.max(1, ...todo.map((a) => threads.get(a.name) ?? 1));
  const out: SweepOutcome = { dir, executor, actions };
  // Only runs that start from the beginning prepare base agents; a resumed run has them already.
  const bases = basesToPrepare(loaded.runs.filter((r) => todo.some((a) => a.name === r.name && a.action === 'train')));
  const pending = bases.map(() => 'BASE_JOB');
  if (executor === 'slurm') {
    out.sbatch = [
      'sbatch',
      ...sbatchArgs(
        sd,
        loaded.name,
        todo.map((a) => a.index),
        loaded.sweep.slurm,
        cpus,
        pending,
      ),
      path.resolve(sd.slurmScript),
    ];
    out.baseStage = bases.map((name) => ['sbatch', ...baseSbatchArgs(sd, loaded.name, name, loaded.sweep.slurm, cpus, o.cli)]);
  } else out.baseStage = bases.map((name) => [...o.cli, ...prepareArgs(sd, name)]);
  if (o.dryRun) return out;
  const count = (a: Action['action']) => actions.filter((x) => x.action === a).length;
  o.say?.(
    `sweep ${loaded.name}: ${actions.length} runs: ${count('train')} to train, ${count('resume')} to resume, ${count('skip')} left as they are`,
  );

  if (executor === 'local') assertNoScheduler(sd);
  writePlan(dir, plan, loaded);
  if (!todo.length) return out;
  if (executor === 'slurm') {
    out.baseJobIds = submitBases(sd, loaded.name, bases, loaded.sweep.slurm, cpus, o.cli);
    out.jobId = submitArray(
      sd,
      loaded.name,
      todo.map((a) => a.index),
      loaded.sweep.slurm,
      cpus,
      o.cli,
      out.baseJobIds,
    );
    return out;
  }
  const cores = loaded.sweep.local.cores ?? os.availableParallelism();
  // The scheduler is this process from now on: `sweep cancel` and signals reach the base-agent
  // stage too (its child is stopped, and no run starts after it).
  sd.record({ type: 'local-scheduler', pid: process.pid });
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) o.say?.(`sweep: ${sig}: stopping the base-agent stage; no run starts`);
    stop.abort(sig);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    await prepareLocal(sd, bases, o.cli, o.say ?? (() => undefined), stop.signal);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (stop.signal.aborted) {
    o.say?.(`sweep: stopped before its runs started; maporl sweep ${o.file} continues it`);
    out.status = sweepStatus(dir);
    return out;
  }
  await runLocal(
    sd,
    todo.map((a) => ({ name: a.name, threads: threads.get(a.name) ?? 0 })),
    { cores, cli: o.cli, say: o.say },
  );
  out.status = sweepStatus(dir);
  return out;
}

/** Two local schedulers on one directory would start each run twice. */
function assertNoScheduler(sd: SweepDir): void {
  const last = sd
    .readJobs()
    .filter((j) => j.type === 'local-scheduler')
    .at(-1);
  if (last?.type === 'local-scheduler' && last.pid !== process.pid && processAlive(last.pid, 'sweep')) {
    throw new SweepBusyError(
      `${sd.dir}: a local sweep is running it already (pid ${last.pid}); wait, or maporl sweep cancel ${sd.dir}`,
    );
  }
}

export class SweepBusyError extends Error {
  override readonly name = 'SweepBusyError';
}

/**
 * Stops what runs: local, SIGTERM to the live scheduler (which passes it on once) or else to each
 * live run; Slurm, scancel of the live tasks. Each run checkpoints and stops; a later
 * `maporl sweep SWEEP` resumes it. Returns what was signalled.
 */
export function cancelSweep(dir: string): string[] {
  const sd = new SweepDir(dir);
  const status = sweepStatus(dir);
  const done: string[] = [];
  const scheduler = sd
    .readJobs()
    .filter((j) => j.type === 'local-scheduler')
    .at(-1);
  const schedulerAlive = scheduler?.type === 'local-scheduler' && processAlive(scheduler.pid, 'sweep');
  if (schedulerAlive) {
    process.kill(scheduler.pid, 'SIGTERM');
    done.push(`pid ${scheduler.pid} (the local scheduler)`);
  }
  const tasks: string[] = [];
  for (const r of status.runs) {
    const where = r.where ?? '';
    const live = r.state === 'running' || r.message === 'queued';
    if (!live) continue;
    const pid = /^pid (\d+)$/.exec(where);
    if (pid && !schedulerAlive) {
      try {
        process.kill(Number(pid[1]), 'SIGTERM');
        done.push(`pid ${pid[1]} (${r.name})`);
      } catch {
        /* exited meanwhile */
      }
    }
    const task = /^slurm (\d+_\d+)/.exec(where);
    if (task) tasks.push(task[1]);
  }
  cancelJobs(tasks);
  done.push(...tasks.map((t) => `slurm ${t}`));
  sd.record({ type: 'cancel' });
  return done;
}
