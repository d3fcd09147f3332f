// Files the extension keeps about a run it trains, beside the run directory (the engine wants an empty
// one) in the runs folder's `.maporl/` folder:
//   RUN.log       the engine's stdout and stderr, so the log outlives the window and a crash;
//   RUN.job.json  {pid, startedAt, args} of the engine process, so that a window opened later can tell
//                 a live run from a dead one and stop it (jobs/jobManager.ts, stopRunProcess).
// Written by the job manager, read by the run list (a run whose process has gone failed). Node fs only.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const JOB_FOLDER = '.maporl';

export function jobFilesOf(runDir: string): { folder: string; log: string; job: string } {
  const folder = join(dirname(runDir), JOB_FOLDER);
  return { folder, log: join(folder, `${basename(runDir)}.log`), job: join(folder, `${basename(runDir)}.job.json`) };
}

export interface JobFile {
  pid: number;
  startedAt: string;
  args: string[];
}

export function writeJobFile(runDir: string, job: JobFile): void {
  const path = jobFilesOf(runDir).job;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(job, null, 2) + '\n');
  renameSync(tmp, path);
}

export function readJobFile(runDir: string): JobFile | null {
  try {
    const v = JSON.parse(readFileSync(jobFilesOf(runDir).job, 'utf8')) as Partial<JobFile>;
    return typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0
      ? { pid: v.pid, startedAt: String(v.startedAt ?? ''), args: Array.isArray(v.args) ? v.args.map(String) : [] }
      : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
