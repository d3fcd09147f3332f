// The state of every run of a sweep directory, as plain JSON (`maporl sweep status --json`, and the
// extension's view): from each run's files (summary.json, events.jsonl) and whether its latest
// attempt is alive (a local process, or a Slurm array task per squeue/sacct). No ONNX Runtime here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SWEEP_RUN_STATES,
  type JobRecord,
  type SweepPlan,
  type SweepRun,
  type SweepRunState,
  type SweepRunStatus,
  type SweepStatus,
} from '../../protocol/sweepSchema';
import { hasCheckpoint, SweepDir } from './layout';
import { SlurmError, slurmStates, type SlurmTaskState } from './slurm';

export interface StatusOptions {
  /** The plan to report on (default: the directory's sweep.json). */
  plan?: SweepPlan;
  /** Slurm's states of array tasks by `JOB_INDEX`, or `JOB` for tasks not split off (default: asks squeue, then sacct). */
  slurm?: (jobIds: string[]) => Map<string, SlurmTaskState>;
}

export function sweepStatus(dir: string, o: StatusOptions = {}): SweepStatus {
  const sd = new SweepDir(dir);
  const plan = o.plan ?? sd.loadPlan();
  if (!plan) throw new Error(`${dir}: not a sweep directory (no sweep.json)`);
  const jobs = sd.readJobs();
  const attempts = plan.runs.map((r) => latestAttempt(jobs, r));
  const jobIds = [...new Set(attempts.flatMap((a) => (a?.type === 'slurm-submit' ? [a.jobId] : [])))];
  let queue: Map<string, SlurmTaskState> | string = new Map();
  try {
    if (jobIds.length) queue = (o.slurm ?? slurmStates)(jobIds);
  } catch (e) {
    if (!(e instanceof SlurmError)) throw e;
    queue = e.message; // a machine without Slurm's commands (a laptop looking at a cluster's sweep)
  }
  const runs = plan.runs.map((r, i) => runStatus(sd, r, attempts[i], jobs, queue));
  const counts = Object.fromEntries(
    SWEEP_RUN_STATES.map((s) => [s, runs.filter((r) => r.state === s).length]),
  ) as SweepStatus['counts'];
  return { dir: path.resolve(dir), name: plan.name, counts, runs };
}

type Attempt = Extract<JobRecord, { type: 'local-start' | 'slurm-submit' }>;

/** The newest start or submission of a run (jobs.jsonl is in time order). */
function latestAttempt(jobs: JobRecord[], r: SweepRun): Attempt | null {
  for (let i = jobs.length - 1; i >= 0; i--) {
    const j = jobs[i];
    if ((j.type === 'local-start' && j.name === r.name) || (j.type === 'slurm-submit' && j.indices.includes(r.index))) return j;
  }
  return null;
}

function runStatus(
  sd: SweepDir,
  r: SweepRun,
  attempt: Attempt | null,
  jobs: JobRecord[],
  queue: Map<string, SlurmTaskState> | string,
): SweepRunStatus {
  const dir = sd.run(r.name);
  const files = readRunFiles(dir);
  const base = {
    index: r.index,
    name: r.name,
    cell: r.cell,
    seed: r.seed,
    step: files.step,
    totalSteps: files.totalSteps,
    resumable: hasCheckpoint(dir),
  };
  const say = (state: SweepRunState, where: string | null, message?: string): SweepRunStatus => ({
    ...base,
    state,
    where,
    ...(message ? { message } : {}),
  });

  let where: string | null = null;
  let live: 'running' | 'queued' | null = null;
  let ended: string | null = null; // Slurm's final state of the task
  if (attempt?.type === 'local-start') {
    where = `pid ${attempt.pid}`;
    if (processAlive(attempt.pid, r.name)) live = 'running';
  } else if (attempt?.type === 'slurm-submit') {
    const task = `${attempt.jobId}_${r.index}`;
    if (typeof queue === 'string' && !files.summary)
      return say(files.step === null ? 'pending' : 'running', `slurm ${task}`, `state unknown: ${queue}`);
    const q = typeof queue === 'string' ? undefined : (queue.get(task) ?? queue.get(attempt.jobId));
    where = `slurm ${task}${q ? ` ${q.state}` : ''}`;
    if (q?.phase === 'running') live = 'running';
    else if (q?.phase === 'queued') live = 'queued';
    else if (q) ended = q.state;
  }

  if (files.summary === 'finished') return say('finished', where);
  if (live === 'running') return say('running', where);
  if (live === 'queued') return say('pending', where, 'queued');
  if (files.summary === 'failed' || files.summary === 'stopped') return say(files.summary, where, files.message);
  if (!attempt) return say('pending', null);
  const exit =
    attempt.type === 'local-start'
      ? jobs.find((j) => j.type === 'local-exit' && j.pid === attempt.pid && j.name === r.name)
      : undefined;
  // A cancel counts for an attempt that had not ended by then (an earlier crash stays a failure).
  const cancelled =
    jobs.some((j) => j.type === 'cancel' && j.time >= attempt.time && !(exit && exit.time <= j.time)) ||
    /^CANCELLED/.test(ended ?? '');
  if (cancelled) return say('stopped', where, 'cancelled');
  const how = ended ? `Slurm: ${ended}` : exit?.type === 'local-exit' ? `exit ${exit.code ?? exit.signal}` : 'no process';
  return say('failed', where, `ended without a summary (${how})`);
}

interface RunFiles {
  summary: string | null;
  message?: string;
  step: number | null;
  totalSteps: number | null;
}

/** summary.json's status, and the progress events.jsonl shows: the latest step and the planned total. */
export function readRunFiles(dir: string): RunFiles {
  const out: RunFiles = { summary: null, step: null, totalSteps: null };
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { status?: string; message?: string };
    out.summary = s.status ?? null;
    if (s.message) out.message = s.message;
  } catch {
    /* not written yet */
  }
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as { type?: string; step?: number; totalSteps?: number };
      if (typeof e.step === 'number') out.step = Math.max(out.step ?? 0, e.step);
      if (e.type === 'status' && typeof e.totalSteps === 'number') out.totalSteps = e.totalSteps;
    } catch {
      /* a line cut by a kill */
    }
  }
  return out;
}

/**
 * Whether `pid` is alive and (where /proc tells) still the `maporl train` of this run: a pid
 * recorded long ago may belong to another process by now.
 */
export function processAlive(pid: number, runName?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (runName === undefined) return true;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(runName);
  } catch {
    return true; // no /proc: trust the pid
  }
}
