// Restricted Mode: an untrusted workspace shows runs read-only, and nothing starts an engine job (a job
// runs the workspace's configs and data on the user's behalf). Commands and panels ask here first.
import * as vscode from 'vscode';

/** Refuses (with a message) when the workspace is not trusted: jobs run code on the user's behalf. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `MAPoRL: ${action} is disabled in Restricted Mode. Trust this workspace to run engine jobs; runs stay viewable.`,
      'Manage Workspace Trust',
    )
    .then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}
