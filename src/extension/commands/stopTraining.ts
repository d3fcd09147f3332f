import * as vscode from 'vscode';
import { stopRunProcess } from '../jobs/jobManager';
import { readJobFile } from '../runData/jobFile';
import type { Services } from './services';
import { pickRun } from './arguments';

/**
 * MAPoRL: Stop Training — SIGTERM (the engine checkpoints and exits), SIGKILL after the stop timeout.
 * Works for jobs of this window and, through the job file, for runs a previous window started.
 */
export async function stopTraining(s: Services, arg?: unknown): Promise<void> {
  const stoppable = s.runs.list().filter((r) => s.jobs.byRunDir(r.dir) || (r.state.status === 'running' && readJobFile(r.dir)));
  const run = await pickRun(s.runs, arg, stoppable, 'MAPoRL: Stop Training', 'no training job is running.');
  if (!run) return;
  const timeoutMs = s.settings().stopTimeoutSeconds * 1000;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MAPoRL: stopping ${run.name} (writing a checkpoint)…` },
    async () => {
      const job = s.jobs.byRunDir(run.dir);
      if (job) return s.jobs.stop(job.id, timeoutMs);
      if (!(await stopRunProcess(run.dir, timeoutMs))) {
        void vscode.window.showWarningMessage(
          `MAPoRL: ${run.name} has no live engine process to stop (started by the CLI, or already ended).`,
        );
      }
      s.runs.refreshList();
    },
  );
}
