// Starting a training job from a command: the engine must be there (it creates the run directory), the
// run's model switches to IPC before the process exists (so no event is missed or read twice), and
// start-up shows a progress notification until the engine's first message (or its early exit).
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { engineEnv } from '../settings';
import type { Job } from './jobManager';

export interface TrainingLaunch {
  label: string;
  runDir: string;
  args: string[];
  cwd: string;
}

const STARTUP_WAIT_MS = 120_000;

export async function launchTraining(s: Services, launch: TrainingLaunch): Promise<Job | undefined> {
  if (!existsSync(s.cliPath)) {
    void vscode.window.showErrorMessage(`MAPoRL: the engine is missing from the extension (${s.cliPath}). Rebuild with npm run build.`);
    return undefined;
  }
  s.runs.beginIpc(launch.runDir);
  s.log.info(`starting: maporl ${launch.args.join(' ')}`);
  let job: Job;
  try {
    job = s.jobs.start({ kind: 'train', label: launch.label, args: launch.args, cwd: launch.cwd, runDir: launch.runDir, env: engineEnv(s.settings()) });
  } catch (e) {
    s.runs.endIpc(launch.runDir);
    void vscode.window.showErrorMessage(`MAPoRL: could not start the engine: ${(e as Error).message}`);
    return undefined;
  }
  s.dashboards.open(launch.runDir);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MAPoRL: starting ${launch.label}…`, cancellable: true },
    (_progress, token) => new Promise<void>((resolve) => {
      const done = () => { sub.dispose(); cancel.dispose(); clearTimeout(timer); resolve(); };
      const sub = s.jobs.onDidChange.event((j) => { if (j.id === job.id && j.state.phase !== 'starting') done(); });
      const cancel = token.onCancellationRequested(() => { void s.jobs.stop(job.id); done(); });
      const timer = setTimeout(done, STARTUP_WAIT_MS);
      if (job.state.phase !== 'starting') done();
    }),
  );
  return job;
}
