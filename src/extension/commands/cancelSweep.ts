// MAPoRL: Cancel Sweep — `maporl sweep cancel DIR` as a job: running runs get SIGTERM and checkpoint
// (locally, or by scancel on Slurm), queued ones are dropped; Start Sweep again resumes them.
import * as vscode from 'vscode';
import type { Services } from './services';
import { requireTrust } from '../security/workspaceTrust';
import { pickSweep } from './openSweepReport';

export async function cancelSweep(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Cancel Sweep')) return;
  const sweep = await pickSweep(s.sweeps, arg, (t) => t.active, 'MAPoRL: Cancel Sweep', 'no sweep has a running or queued run.');
  if (!sweep) return;
  const job = s.jobs.start({
    kind: 'sweep',
    label: `sweep cancel ${sweep.name}`,
    args: ['sweep', 'cancel', sweep.dir],
    cwd: sweep.dir,
  });
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MAPoRL: cancelling sweep ${sweep.name}…` },
    () =>
      new Promise<void>((resolve) => {
        const exit = s.jobs.onDidExit.event((j) => {
          if (j.id === job.id) {
            exit.dispose();
            resolve();
          }
        });
      }),
  );
  await s.sweeps.refresh();
}
