// Finding and choosing experiment configs (`*.maporl.json`) in the workspace.
import * as vscode from 'vscode';
import { CommandId } from './commandIds';

export const CONFIG_SUFFIX = '.maporl.json';
export const CONFIG_GLOB = '**/*.maporl.json';
export const CONFIG_EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/.e2e/**}';

/** An explicit Uri argument, else the active editor's config, else a quick pick; undefined if none. */
export async function pickConfig(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && arg.fsPath.endsWith(CONFIG_SUFFIX)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.scheme === 'file' && active.fsPath.endsWith(CONFIG_SUFFIX)) return active;
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB);
  if (files.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      'MAPoRL: no experiment config (*.maporl.json) in this workspace.',
      'New Experiment…',
    );
    if (choice) await vscode.commands.executeCommand(CommandId.NewExperiment);
    return undefined;
  }
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri })),
    { title: 'MAPoRL: Start Training', placeHolder: 'Experiment config to train' },
  );
  return picked?.uri;
}
