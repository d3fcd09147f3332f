import * as vscode from 'vscode';
import { experimentTemplate, checkExperimentName } from '../templates/experimentTemplate';
import type { Services } from '../services';

/**
 * MAPoRL: New Experiment… — asks for a name, writes `<name>.maporl.json` and a small train/test dataset
 * under `data/` in the chosen workspace folder (never overwriting), then opens the config and the
 * training data side by side.
 */
export async function newExperiment(s: Services): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('MAPoRL: open a folder first; the experiment is created in it.');
    return;
  }
  const folder = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new experiment' });
  if (!folder) return;
  const name = await vscode.window.showInputBox({
    title: 'MAPoRL: New Experiment…',
    prompt: 'Experiment name (the config becomes NAME.maporl.json)',
    value: 'experiment',
    validateInput: (v) => checkExperimentName(v),
  });
  if (!name) return;
  const files = experimentTemplate(name.trim());
  const target = (rel: string) => vscode.Uri.joinPath(folder.uri, rel);
  for (const rel of [files.configPath, files.trainPath, files.testPath]) {
    try {
      await vscode.workspace.fs.stat(target(rel));
      void vscode.window.showErrorMessage(`MAPoRL: ${rel} already exists in ${folder.name}; choose another name.`);
      return;
    } catch { /* free */ }
  }
  const write = (rel: string, text: string) => vscode.workspace.fs.writeFile(target(rel), Buffer.from(text, 'utf8'));
  await write(files.trainPath, files.train);
  await write(files.testPath, files.test);
  await write(files.configPath, files.config);
  s.log.info(`new experiment ${files.configPath} with ${files.trainPath} and ${files.testPath}`);
  await vscode.window.showTextDocument(target(files.configPath), { viewColumn: vscode.ViewColumn.One, preview: false });
  await vscode.window.showTextDocument(target(files.trainPath), { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
}
