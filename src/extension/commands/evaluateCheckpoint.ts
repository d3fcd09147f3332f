import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { CONFIG_EXCLUDE_GLOB } from '../experiments';
import type { CheckpointInfo } from '../runData/runDirectory';
import type { Services } from './services';
import { engineEnv } from '../settings';
import { requireTrust } from '../security/workspaceTrust';
import { checkpointOf } from './arguments';

/**
 * MAPoRL: Evaluate Checkpoint… — multi-agent evaluation of a checkpoint on a JSONL dataset
 * (`maporl eval --checkpoint DIR --data FILE`), as a job whose output goes to the engine log.
 */
export async function evaluateCheckpoint(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Evaluate Checkpoint')) return;
  const checkpoint = checkpointOf(arg) ?? (await pickCheckpoint(s));
  if (!checkpoint) return;
  const data = await pickDataset();
  if (!data) return;
  if (!existsSync(s.cliPath)) {
    void vscode.window.showErrorMessage(`MAPoRL: the engine is missing from the extension (${s.cliPath}).`);
    return;
  }
  const label = `eval ${checkpoint.name}`;
  const job = s.jobs.start({
    kind: 'eval',
    label,
    args: ['eval', '--checkpoint', checkpoint.dir, '--data', data.fsPath],
    cwd: vscode.workspace.getWorkspaceFolder(data)?.uri.fsPath ?? dirname(data.fsPath),
    env: engineEnv(s.settings()),
  });
  s.log.info(`started ${label} on ${data.fsPath}`);
  s.log.show(true);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MAPoRL: evaluating ${checkpoint.name}…`, cancellable: true },
    (_p, token) =>
      new Promise<void>((resolve) => {
        const sub = s.jobs.onDidExit.event((j) => {
          if (j.id === job.id) {
            sub.dispose();
            resolve();
          }
        });
        token.onCancellationRequested(() => void s.jobs.stop(job.id));
      }),
  );
}

async function pickCheckpoint(s: Services): Promise<CheckpointInfo | undefined> {
  // Newest first: runs come newest first, each run's checkpoints by step (reversed here).
  const items = s.runs
    .list()
    .flatMap((run) =>
      [...run.checkpoints].reverse().map((c) => ({ label: `${run.name} · step ${c.step}`, detail: c.dir, checkpoint: c })),
    );
  if (items.length === 0) {
    void vscode.window.showInformationMessage('MAPoRL: no checkpoints yet. Training writes them to RUN/checkpoints.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title: 'MAPoRL: Evaluate Checkpoint…', placeHolder: 'Checkpoint' }))
    ?.checkpoint;
}

async function pickDataset(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.jsonl', CONFIG_EXCLUDE_GLOB, 500);
  const browse = { label: '$(folder-opened) Browse…', uri: undefined as vscode.Uri | undefined };
  const items = [
    ...files
      .filter((f) => !/[\\/](events|transcripts|annotations)\.jsonl$/.test(f.fsPath))
      .map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri })),
    browse,
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'MAPoRL: Evaluate Checkpoint…',
    placeHolder: 'Dataset (JSONL) to evaluate on',
  });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'JSON Lines': ['jsonl'] },
    title: 'Dataset to evaluate on',
  });
  return chosen?.[0];
}
