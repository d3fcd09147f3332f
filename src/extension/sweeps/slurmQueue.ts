// Slurm's task states for the sweep status (engine/sweep/status.ts), asked without blocking the
// extension host's thread: the engine's own commands and parser (engine/sweep/slurm.ts,
// SLURM_STATE_QUERIES), run with an asynchronous execFile instead of the CLI's spawnSync.
import { execFile } from 'node:child_process';
import { SLURM_STATE_QUERIES, SlurmError, addTaskStates, unseenJobs, type SlurmTaskState } from '../../engine/sweep/slurm';

/** One Slurm command: its stdout and whether it exited 0; a missing or failing command is a SlurmError. */
function slurm(cmd: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout) => {
      if (!err) return resolve({ ok: true, stdout });
      if (typeof err.code === 'number') return resolve({ ok: false, stdout }); // exited non-zero: its output may still tell
      const missing = err.code === 'ENOENT';
      reject(
        new SlurmError(
          missing ? `${cmd} not found: the slurm executor needs Slurm's commands on PATH` : `${cmd}: ${err.message}`,
        ),
      );
    });
  });
}

/** What engine/sweep/slurm.ts's slurmStates answers, asynchronously; a SlurmError (as a value) when squeue cannot be asked. */
export async function slurmStatesAsync(jobIds: readonly string[]): Promise<Map<string, SlurmTaskState> | SlurmError> {
  const out = new Map<string, SlurmTaskState>();
  try {
    addTaskStates(out, (await slurm('squeue', SLURM_STATE_QUERIES.squeue(jobIds))).stdout);
  } catch (e) {
    return e instanceof SlurmError ? e : new SlurmError(String(e));
  }
  const unseen = unseenJobs(jobIds, out);
  if (unseen.length) {
    try {
      const r = await slurm('sacct', SLURM_STATE_QUERIES.sacct(unseen));
      if (r.ok) addTaskStates(out, r.stdout);
    } catch {
      /* no sacct, or accounting is off: the run files still tell */
    }
  }
  return out;
}
