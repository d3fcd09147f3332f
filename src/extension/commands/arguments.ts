// What a command was invoked on: a Runs view node, a run directory path, a Uri, or nothing (palette).
// Helpers to turn that into a run, asking with a quick pick when the palette gave nothing.
import * as vscode from 'vscode';
import type { CheckpointInfo, RunListing } from '../runData/runDirectory';
import type { RunStore } from '../runData/runStore';
import { progressText } from '../runData/runState';
import { isRunsNode } from './selection';

/** The run directory an argument names, if any. */
export function runDirOf(arg: unknown): string | undefined {
  if (isRunsNode(arg)) return arg.run.dir;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg;
  return undefined;
}

export function checkpointOf(arg: unknown): CheckpointInfo | undefined {
  return isRunsNode(arg) && arg.kind === 'checkpoint' ? arg.checkpoint : undefined;
}

/** The run named by `arg`, else the only candidate, else a quick pick among `candidates`. */
export async function pickRun(
  runs: RunStore,
  arg: unknown,
  candidates: RunListing[],
  title: string,
  none: string,
): Promise<RunListing | undefined> {
  const dir = runDirOf(arg);
  if (dir) {
    const run = runs.get(dir);
    if (!run) void vscode.window.showWarningMessage(`MAPoRL: ${dir} is not a run directory of the runs folder.`);
    return run;
  }
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`MAPoRL: ${none}`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((run) => ({
      label: run.name,
      description: `${run.state.status} · ${progressText(run.state)}`,
      detail: run.dir,
      run,
    })),
    { title, placeHolder: 'Run', matchOnDescription: true },
  );
  return picked?.run;
}
