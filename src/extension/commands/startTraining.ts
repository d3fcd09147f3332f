import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { pickConfig } from '../experiments';
import { launchTraining } from './launchTraining';
import { experimentName, newRunDir } from '../jobs/runNaming';
import type { Services } from './services';
import { runsFolders } from '../settings';
import { requireTrust } from '../security/workspaceTrust';

/** MAPoRL: Start Training — trains the config given, the active one, or one picked, in a new run directory. */
export async function startTraining(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Start Training')) return;
  const config = await pickConfig(arg);
  if (!config) return;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === config.toString());
  if (open?.isDirty) await open.save();
  const folder = vscode.workspace.getWorkspaceFolder(config)?.uri.fsPath ?? dirname(config.fsPath);
  const [runsFolder] = runsFolders(s.settings().runsFolder, [folder]);
  const runDir = newRunDir(runsFolder, config.fsPath);
  await launchTraining(s, {
    label: experimentName(config.fsPath),
    runDir,
    args: ['train', config.fsPath, '--out', runDir],
    cwd: folder,
  });
}
