// Starting a training job from a command: the engine must be there (it creates the run directory), the
// run's model switches to IPC before the process exists (so no event is missed or read twice), and a
// progress notification follows the run to its end (base-agent stage, step, speed, ETA); cancelling it
// stops the run at a checkpoint.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { CommandId } from '../commandIds';
import type { Job } from '../jobs/jobManager';
import { progressText } from '../runData/runState';
import { engineEnv } from '../settings';
import type { Services } from './services';

export interface TrainingLaunch {
  label: string;
  runDir: string;
  args: string[];
  cwd: string;
}

export async function launchTraining(s: Services, launch: TrainingLaunch): Promise<Job | undefined> {
  if (!existsSync(s.cliPath)) {
    void vscode.window.showErrorMessage(
      `MAPoRL: the engine is missing from the extension (${s.cliPath}). Rebuild with npm run build.`,
    );
    return undefined;
  }
  s.runs.beginIpc(launch.runDir);
  s.log.info(`starting: maporl ${launch.args.join(' ')}`);
  let job: Job;
  try {
    job = s.jobs.start({
      kind: 'train',
      label: launch.label,
      args: launch.args,
      cwd: launch.cwd,
      runDir: launch.runDir,
      env: engineEnv(s.settings()),
    });
  } catch (e) {
    s.runs.endIpc(launch.runDir);
    void vscode.window.showErrorMessage(`MAPoRL: could not start the engine: ${(e as Error).message}`);
    return undefined;
  }
  s.dashboards.open(launch.runDir);
  void followInNotification(s, job, launch);
  return job;
}

/** A notification for the whole run: what it does now and the time left; Cancel = Stop Training. */
function followInNotification(s: Services, job: Job, launch: TrainingLaunch): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MAPoRL: ${launch.label}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let shown = 0; // percent reported so far (withProgress takes increments)
        let pending: NodeJS.Timeout | undefined;
        const update = () => {
          pending = undefined;
          const run = s.runs.get(launch.runDir);
          if (!run) return progress.report({ message: 'starting the engine…' });
          const { state } = run;
          const b = state.baseStage;
          const inStage = b && !b.done && b.total > 0;
          const pct = inStage ? 0 : state.totalSteps ? Math.min(100, (100 * state.step) / state.totalSteps) : 0;
          progress.report({
            increment: Math.max(0, pct - shown),
            message: state.step === 0 && !inStage && b?.done ? 'evaluating before training…' : progressText(state),
          });
          shown = Math.max(shown, pct);
        };
        const soon = () => {
          pending ??= setTimeout(update, 1000);
        };
        const subs = [
          s.runs.onDidUpdateRun.event((u) => {
            if (u.dir === launch.runDir) soon();
          }),
          s.runs.onDidChangeList.event(soon),
        ];
        const finish = () => {
          subs.forEach((d) => d.dispose());
          exit.dispose();
          if (pending) clearTimeout(pending);
          resolve();
        };
        const exit = s.jobs.onDidExit.event((j) => {
          if (j.id === job.id) finish();
        });
        token.onCancellationRequested(() => {
          void vscode.commands.executeCommand(CommandId.StopTraining, launch.runDir);
          finish();
        });
        update();
      }),
  );
}
