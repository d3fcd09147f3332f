import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../commandIds';
import { lastLine, runEngineOnce } from '../jobs/engineOnce';
import type { Services } from './services';
import { checkExperimentName } from '../templates/experimentTemplate';
import {
  configText,
  deepMerge,
  DEFAULT_TEMPLATE,
  TEMPLATES,
  templateFiles,
  templateOverrides,
  type TemplateId,
  type TemplateOutput,
} from '../templates/templates';
import { checkDataFile, checkModelLayout, detectFormat, userDataConfig, type Checked } from '../templates/userData';

const TITLE = 'MAPoRL: New Experiment…';

/**
 * MAPoRL: New Experiment… — a template (quick pick, the built-in arithmetic one first), a name, and for
 * "Your data…" the files and the model in file dialogs, checked before anything is written. Writes
 * `<name>.maporl.json` (and the template's data) in the chosen workspace folder, never overwriting,
 * opens the config with its data beside it, and offers to start training.
 */
export async function newExperiment(s: Services): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('MAPoRL: open a folder first; the experiment is created in it.');
    return;
  }
  const folder =
    folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new experiment' });
  if (!folder) return;
  const picked = await vscode.window.showQuickPick(
    TEMPLATES.map((t) => ({ ...t, picked: t.id === DEFAULT_TEMPLATE })),
    {
      title: TITLE,
      placeHolder: 'Template (the first trains tiny agents that visibly learn in about 10 minutes)',
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    },
  );
  if (!picked) return;
  const name = await vscode.window.showInputBox({
    title: TITLE,
    ignoreFocusOut: true, // the walkthrough redraws when this command runs (its completion event) and may take the focus
    prompt: 'Experiment name (the config becomes NAME.maporl.json)',
    value: freeName(folder.uri.fsPath, picked.id === 'user-data' || picked.id === 'example-files' ? 'experiment' : picked.id),
    validateInput: (v) =>
      checkExperimentName(v) ??
      (existsSync(join(folder.uri.fsPath, `${v.trim()}.maporl.json`)) ? `${v.trim()}.maporl.json already exists` : null),
  });
  if (!name) return;
  const files =
    picked.id === 'user-data' ? await userDataFiles(s, folder.uri.fsPath, name.trim()) : builtinFiles(picked.id, name.trim());
  if (!files) return;

  const target = (rel: string) => vscode.Uri.joinPath(folder.uri, rel);
  for (const rel of [files.configPath, ...files.data.map((d) => d.path)]) {
    if (existsSync(target(rel).fsPath)) {
      void vscode.window.showErrorMessage(`MAPoRL: ${rel} already exists in ${folder.name}; choose another name.`);
      return;
    }
  }
  const write = (rel: string, text: string) => vscode.workspace.fs.writeFile(target(rel), Buffer.from(text, 'utf8'));
  for (const d of files.data) await write(d.path, d.text);
  await write(files.configPath, configText(files.config));
  s.log.info(
    `new experiment ${files.configPath} (template ${picked.id})${files.data.length ? ` with ${files.data.map((d) => d.path).join(', ')}` : ''}`,
  );
  await vscode.window.showTextDocument(target(files.configPath), { viewColumn: vscode.ViewColumn.One, preview: false });
  const beside = files.data[0]?.path ?? userTrainFile(files);
  if (beside)
    await vscode.window.showTextDocument(vscode.Uri.file(join(folder.uri.fsPath, beside)), {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
      preserveFocus: true,
    });
  const config = target(files.configPath);
  void vscode.window
    .showInformationMessage(
      `MAPoRL: created ${files.configPath}. ${picked.id === 'arith' || picked.id === 'nli' || picked.id === 'arith-learned' ? 'Training prepares the base agents first (about 2 minutes, once).' : ''}`,
      'Start Training',
    )
    .then((c) => c && vscode.commands.executeCommand(CommandId.StartTraining, config));
}

function builtinFiles(id: Exclude<TemplateId, 'user-data'>, name: string): TemplateOutput {
  const files = templateFiles(id, name);
  // End-to-end tests shrink the real built-in templates through the environment (templates.ts).
  return id === 'example-files' ? files : { ...files, config: deepMerge(files.config, templateOverrides()) };
}

/** "Your data…": training file, test file and model chosen in dialogs and checked; undefined when cancelled or refused. */
async function userDataFiles(s: Services, folder: string, name: string): Promise<TemplateOutput | undefined> {
  const pick = async (title: string, folders = false) =>
    (
      await vscode.window.showOpenDialog({
        title,
        canSelectMany: false,
        canSelectFiles: !folders,
        canSelectFolders: folders,
        defaultUri: vscode.Uri.file(folder),
        filters: folders ? undefined : { 'JSON Lines': ['jsonl'] },
      })
    )?.[0]?.fsPath;
  const trainFile = await pick(
    'Training data: GSM8K ({"question", "answer": "… #### N"}) or NLI ({"premise", "hypothesis", "label"}) JSONL',
  );
  if (!trainFile) return undefined;
  const format = detectFormat(trainFile);
  if (!(await accept(format))) return undefined;
  const trainRecords = checkDataFile(format.ok ? format.value : 'gsm8k', trainFile);
  if (!(await accept(trainRecords))) return undefined;
  const testFile = await pick(
    `Test data (${format.ok && format.value === 'gsm8k' ? 'GSM8K' : 'NLI'} JSONL, held out from training)`,
  );
  if (!testFile) return undefined;
  const testRecords = checkDataFile(format.ok ? format.value : 'gsm8k', testFile);
  if (!(await accept(testRecords))) return undefined;
  const modelDir = await pick('Hugging Face model directory (config.json, model.safetensors, tokenizer.json)', true);
  if (!modelDir) return undefined;
  if (!(await accept(checkModelLayout(modelDir)))) return undefined;
  const loaded = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MAPoRL: loading the model…' },
    () =>
      runEngineOnce(s.cliPath, ['generate', '--model', modelDir, '--prompt', 'Hello', '--max-new-tokens', '1', '--json'], {
        cwd: folder,
        timeoutMs: 300_000,
      }),
  );
  if (loaded.code !== 0) {
    void vscode.window.showErrorMessage(
      `MAPoRL: the model does not load: ${lastLine(loaded.stderr) || `exit code ${loaded.code}`}`,
    );
    return undefined;
  }
  const configFile = join(folder, `${name}.maporl.json`);
  const config = userDataConfig({
    name,
    configFile,
    trainFile,
    testFile,
    modelDir,
    format: format.ok ? format.value : 'gsm8k',
    trainRecords: trainRecords.ok ? trainRecords.value : 0,
    testRecords: testRecords.ok ? testRecords.value : 0,
  });
  s.log.info(
    `your data: ${trainFile} (${trainRecords.ok ? trainRecords.value : 0}), ${testFile} (${testRecords.ok ? testRecords.value : 0}), model ${modelDir}`,
  );
  return { configPath: `${name}.maporl.json`, config, data: [] };
}

/** Shows a check's problem (with a button to the bad line when it names one); whether it passed. */
async function accept<T>(c: Checked<T>): Promise<boolean> {
  if (c.ok) return true;
  const at = /^(.*):(\d+): /.exec(c.problem);
  const choice = await vscode.window.showErrorMessage(`MAPoRL: ${c.problem}`, ...(at ? ['Open at Line'] : []));
  if (choice && at) {
    const line = Number(at[2]) - 1;
    await vscode.window.showTextDocument(vscode.Uri.file(at[1]), {
      selection: new vscode.Range(line, 0, line, 0),
      preview: false,
    });
  }
  return false;
}

const userTrainFile = (files: TemplateOutput): string | undefined => {
  const f = (files.config.task as { trainFile?: string } | undefined)?.trainFile;
  return f && !f.startsWith('/') && !/^[A-Za-z]:/.test(f) ? f : undefined;
};

/** `base`, or `base-2`, `base-3`… when `base.maporl.json` is taken. */
function freeName(folder: string, base: string): string {
  let name = base;
  for (let k = 2; existsSync(join(folder, `${name}.maporl.json`)); k++) name = `${base}-${k}`;
  return name;
}
