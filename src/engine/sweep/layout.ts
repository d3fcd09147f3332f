// The sweep directory (docs/sweeps.md): where each file lives, and reading its records. Imports
// nothing of ONNX Runtime, so the extension can use it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonErrorOffset } from '../../protocol/jsonText';
import type { JobRecord, SweepPlan } from '../../protocol/sweepSchema';
import { DataFileError } from '../io/errors';

/** A record before it is stamped with the time. */
export type NewJobRecord = JobRecord extends infer J ? (J extends unknown ? Omit<J, 'time'> : never) : never;

export class SweepDir {
  constructor(readonly dir: string) {}

  get plan(): string {
    return path.join(this.dir, 'sweep.json');
  }
  get jobs(): string {
    return path.join(this.dir, 'jobs.jsonl');
  }
  get logs(): string {
    return path.join(this.dir, 'logs');
  }
  get slurmScript(): string {
    return path.join(this.dir, 'slurm', 'array.sh');
  }
  /** Line i+1 is the name of the run with array index i. */
  get slurmNames(): string {
    return path.join(this.dir, 'slurm', 'names.txt');
  }
  config(name: string): string {
    return path.join(this.dir, 'configs', `${name}.json`);
  }
  run(name: string): string {
    return path.join(this.dir, 'runs', name);
  }
  log(name: string): string {
    return path.join(this.logs, `${name}.log`);
  }

  /**
   * sweep.json: null when there is none, a DataFileError naming the file and line when it is damaged
   * (cut short by a crash, edited by hand). readPlan's null for both would call a damaged sweep
   * "not a sweep directory", and a sweep re-run would renumber its runs.
   */
  loadPlan(): SweepPlan | null {
    let text: string;
    try {
      text = fs.readFileSync(this.plan, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let plan: unknown;
    try {
      plan = JSON.parse(text);
    } catch (e) {
      const line = text.slice(0, jsonErrorOffset(text) ?? text.length).split('\n').length;
      throw new DataFileError(this.plan, line, `damaged sweep plan, not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (typeof plan !== 'object' || plan === null || !Array.isArray((plan as SweepPlan).runs))
      throw new DataFileError(this.plan, 1, 'damaged sweep plan: no "runs" list');
    return plan as SweepPlan;
  }

  /** sweep.json, or null when it is absent or does not parse (for display). */
  readPlan(): SweepPlan | null {
    try {
      return JSON.parse(fs.readFileSync(this.plan, 'utf8')) as SweepPlan;
    } catch {
      return null;
    }
  }

  /** jobs.jsonl, skipping a line cut short by a crash. */
  readJobs(): JobRecord[] {
    if (!fs.existsSync(this.jobs)) return [];
    const out: JobRecord[] = [];
    for (const line of fs.readFileSync(this.jobs, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as JobRecord);
      } catch {
        /* torn last line */
      }
    }
    return out;
  }

  /** Appends one record in one write (O_APPEND), so concurrent writers do not interleave lines. */
  record(r: NewJobRecord): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.appendFileSync(this.jobs, JSON.stringify({ ...r, time: new Date().toISOString() }) + '\n');
  }
}

/** Whether a run directory holds a complete checkpoint (checkpoint.ts's rule: step-NNNNNN with its trainer_state.json). */
export function hasCheckpoint(runDir: string): boolean {
  const dir = path.join(runDir, 'checkpoints');
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir).some((n) => /^step-\d{6}$/.test(n) && fs.existsSync(path.join(dir, n, 'trainer_state.json')));
}
