import { dirname } from 'node:path';
import { launchTraining } from './launchTraining';
import type { Services } from './services';
import { isResumable } from '../views/runsView';
import * as vscode from 'vscode';
import { requireTrust } from '../security/workspaceTrust';
import { pickRun } from './arguments';

/**
 * MAPoRL: Resume Training — continues a stopped or failed run from its last checkpoint, in the same run
 * directory: `maporl train --resume RUN` (the engine takes the config from RUN/config.json).
 */
export async function resumeTraining(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Resume Training')) return;
  const run = await pickRun(
    s.runs,
    arg,
    s.runs.list().filter(isResumable),
    'MAPoRL: Resume Training',
    'no stopped or failed run with a checkpoint to resume.',
  );
  if (!run) return;
  if (s.jobs.byRunDir(run.dir) || run.state.status === 'running') {
    void vscode.window.showWarningMessage(`MAPoRL: ${run.name} is still running.`);
    return;
  }
  if (!isResumable(run)) {
    void vscode.window.showWarningMessage(`MAPoRL: ${run.name} has no checkpoint to resume from.`);
    return;
  }
  await launchTraining(s, {
    label: run.name,
    runDir: run.dir,
    args: ['train', '--resume', run.dir],
    cwd: dirname(run.dir),
  });
}
