// The Slurm executor: one `sbatch --array` per submission, whose task i trains (or resumes) the run
// with index i; states from squeue (which keeps ended jobs for MinJobAge) and sacct (where
// accounting is on); scancel. Talks to Slurm only through its commands. No ONNX Runtime here.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SlurmOptions } from '../../protocol/sweepSchema';
import { writeFileAtomic } from '../io/atomic';
import type { SweepDir } from './layout';

/** A Slurm command that is missing or refused: the CLI prints its one line and exits 1. */
export class SlurmError extends Error {
  override readonly name = 'SlurmError';
}

export interface SlurmTaskState {
  /** Slurm's word: PENDING, RUNNING, COMPLETED, CANCELLED, … */
  state: string;
  phase: 'queued' | 'running' | 'ended';
}

const QUEUED = /^(PENDING|REQUEUED|REQUEUE_FED|REQUEUE_HOLD|RESV_DEL_HOLD|SPECIAL_EXIT|CONFIGURING)/;
const RUNNING = /^(RUNNING|COMPLETING|SUSPENDED|STOPPED|SIGNALING|STAGE_OUT|RESIZING)/;

function slurm(cmd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SlurmError(
      missing ? `${cmd} not found: the slurm executor needs Slurm's commands on PATH` : `${cmd}: ${r.error.message}`,
    );
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.trim() };
}

/** `0-3,5,7-8` (with `%N` appended when at most N may run at once). */
export function arraySpec(indices: readonly number[], maxParallel?: number): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',') + (maxParallel ? `%${maxParallel}` : '');
}

/** One word for the shell, whatever it contains. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The batch script: task i looks its run up in names.txt (indices never move), and resumes it when
 * it has a complete checkpoint, so a requeued or resubmitted task continues instead of restarting.
 * `exec` makes the engine the job's process, so scancel's SIGTERM reaches it (it checkpoints and stops).
 */
export function arrayScript(sd: SweepDir, cli: readonly string[]): string {
  const maporl = cli.map(shellQuote).join(' ');
  return `#!/bin/bash
# Written by maporl sweep (src/engine/sweep/slurm.ts): array task i trains the run named on line i+1
# of names.txt, or resumes it from its last complete checkpoint.
set -eu
sweep=${shellQuote(path.resolve(sd.dir))}
name=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$sweep/slurm/names.txt")
[ -n "$name" ] || { echo "maporl sweep: no run has array index $SLURM_ARRAY_TASK_ID" >&2; exit 2; }
run="$sweep/runs/$name"
if compgen -G "$run/checkpoints/step-[0-9][0-9][0-9][0-9][0-9][0-9]/trainer_state.json" >/dev/null; then
  exec ${maporl} train --resume "$run"
fi
exec ${maporl} train "$sweep/configs/$name.json" --out "$run" --force
`;
}

/**
 * sbatch's arguments for one array over `indices` (everything but the script). `after`: jobs that
 * must end well first (the base-agent stage); should one fail, Slurm cancels the array's tasks
 * instead of leaving them pending forever.
 */
export function sbatchArgs(
  sd: SweepDir,
  name: string,
  indices: readonly number[],
  o: SlurmOptions,
  cpusPerTask: number,
  after: readonly string[] = [],
): string[] {
  const dir = path.resolve(sd.dir);
  const args = [
    '--parsable',
    `--array=${arraySpec(indices, o.maxParallel)}`,
    '--requeue',
    '--open-mode=append',
    `--job-name=maporl-${name}`,
    `--chdir=${dir}`,
    `--output=${path.join(dir, 'logs', 'slurm-%A_%a.out')}`,
  ];
  const dependency = [o.dependency, after.length ? `afterok:${after.join(':')}` : undefined].filter(Boolean).join(',');
  if (dependency) args.push(`--dependency=${dependency}`);
  if (after.length) args.push('--kill-on-invalid-dep=yes');
  return [...args, ...slurmResourceArgs(o, cpusPerTask), ...o.extraArgs];
}

/** The user's resources (cpus, partition, account, qos, time, gres, mem, constraint), for every job the sweep submits. */
export function slurmResourceArgs(o: SlurmOptions, cpusPerTask: number): string[] {
  const args = [`--cpus-per-task=${o.cpusPerTask ?? cpusPerTask}`];
  const flags: [keyof SlurmOptions, string][] = [
    ['partition', '--partition'],
    ['account', '--account'],
    ['qos', '--qos'],
    ['time', '--time'],
    ['gres', '--gres'],
    ['mem', '--mem'],
    ['constraint', '--constraint'],
  ];
  for (const [key, flag] of flags) if (o[key] !== undefined) args.push(`${flag}=${o[key]}`);
  return args;
}

/** Writes the script and submits one array; returns the job id. */
export function submitArray(
  sd: SweepDir,
  name: string,
  indices: readonly number[],
  o: SlurmOptions,
  cpusPerTask: number,
  cli: readonly string[],
  after: readonly string[] = [],
): string {
  fs.mkdirSync(sd.logs, { recursive: true });
  writeFileAtomic(sd.slurmScript, arrayScript(sd, cli));
  fs.chmodSync(sd.slurmScript, 0o755);
  const jobId = submitBatch([...sbatchArgs(sd, name, indices, o, cpusPerTask, after), sd.slurmScript]);
  sd.record({ type: 'slurm-submit', jobId, indices: [...indices] });
  return jobId;
}

/** `sbatch --parsable …`; returns the job id. */
export function submitBatch(args: readonly string[]): string {
  const r = slurm('sbatch', [...args]);
  const jobId = r.stdout.trim().split(';')[0];
  if (!r.ok || !/^\d+$/.test(jobId)) throw new SlurmError(`sbatch failed: ${r.stderr.split('\n')[0] || r.stdout.trim()}`);
  return jobId;
}

/**
 * The Slurm commands that tell array tasks' states and how to read them: squeue for every job (it keeps
 * ended jobs for MinJobAge), then sacct for the jobs squeue no longer knows. Shared by slurmStates
 * (synchronous, for the CLI) and the extension, which runs the same commands without blocking its thread.
 */
export const SLURM_STATE_QUERIES = {
  squeue: (jobIds: readonly string[]) => ['-h', '-r', '-t', 'all', '-j', jobIds.join(','), '-o', '%i|%T'],
  sacct: (jobIds: readonly string[]) => ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State'],
};

/** Adds the task states in squeue's or sacct's output (`ID|STATE` lines) to `out`; a task seen first keeps its state. */
export function addTaskStates(out: Map<string, SlurmTaskState>, text: string): void {
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (!id || !state) continue;
    const word = state.split(' ')[0];
    const phase = QUEUED.test(word) ? 'queued' : RUNNING.test(word) ? 'running' : 'ended';
    for (const task of expandTaskIds(id)) if (!out.has(task)) out.set(task, { state: word, phase });
  }
}

/** The jobs none of whose tasks `out` holds: sacct is asked about these. */
export const unseenJobs = (jobIds: readonly string[], out: Map<string, SlurmTaskState>): string[] =>
  jobIds.filter((j) => ![...out.keys()].some((k) => k === j || k.startsWith(`${j}_`)));

/** States of the array tasks of these jobs by `JOB_INDEX`: squeue first, sacct for what it no longer knows. */
export function slurmStates(jobIds: readonly string[]): Map<string, SlurmTaskState> {
  const out = new Map<string, SlurmTaskState>();
  // squeue fails only when no id is known any more ("Invalid job id specified"): then nothing is queued.
  addTaskStates(out, slurm('squeue', SLURM_STATE_QUERIES.squeue(jobIds)).stdout);
  const unseen = unseenJobs(jobIds, out);
  if (unseen.length) {
    try {
      const r = slurm('sacct', SLURM_STATE_QUERIES.sacct(unseen));
      if (r.ok) addTaskStates(out, r.stdout);
    } catch {
      /* no sacct, or accounting is off: the run files still tell */
    }
  }
  return out;
}

/**
 * `12_3` → [12_3]; `12_[0-3,5%2]` (tasks not started yet) → [12_0 … 12_3, 12_5]; `12`, the array's
 * own record, which stands for the tasks never split off it (cancelled while queued), stays `12`.
 */
export function expandTaskIds(id: string): string[] {
  const m = /^(\d+)_\[([^\]]+)\]$/.exec(id);
  if (!m) return /^\d+(_\d+)?$/.test(id) ? [id] : [];
  const out: string[] = [];
  for (const part of m[2].split('%')[0].split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(`${m[1]}_${i}`);
  }
  return out;
}

/** scancel: SIGTERM to running tasks (they checkpoint and stop; SIGKILL after KillWait), queued ones dropped. */
export function cancelJobs(targets: readonly string[]): void {
  if (!targets.length) return;
  const r = slurm('scancel', [...targets]);
  if (!r.ok) throw new SlurmError(`scancel failed: ${r.stderr.split('\n')[0]}`);
}
