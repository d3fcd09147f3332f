import { existsSync, readdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_EXCLUDE_GLOB, CONFIG_GLOB, CONFIG_SUFFIX } from '../experiments';
import { validateRunEvent, type RunEvent } from '../../protocol/runRecords';
import { baseStageLine, foldBaseStage, type BaseStage } from '../runData/baseStage';
import { useModelInConfig } from '../templates/baseAgentsConfig';
import { templateOverrides } from '../templates/templates';
import { modelSpec } from '../templates/userData';
import type { Services } from './services';
import { engineEnv } from '../settings';
import { requireTrust } from '../security/workspaceTrust';

const TITLE = 'MAPoRL: Prepare Base Agents (SFT)…';

interface RecipeChoice extends vscode.QuickPickItem {
  args: string[];
  task: string;
  config?: vscode.Uri;
}

/**
 * MAPoRL: Prepare Base Agents (SFT)… — the base-agent stage as a job of its own
 * (`maporl prepare-agents … --out DIR --json`): a fresh tiny model fine-tuned on a built-in task, with
 * progress and cancel in a notification and its output in the engine log, written as a Hugging Face
 * model directory. The result is cached like a config's `baseAgents` stage, so an experiment with the
 * same recipe reuses it. At the end it offers to put the directory into an experiment's agents.models.
 */
export async function prepareBaseAgents(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Prepare Base Agents')) return;
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void vscode.window.showWarningMessage('MAPoRL: open a folder first; the base agents are written into it.');
    return;
  }
  const recipe = await pickRecipe(arg);
  if (!recipe) return;
  const rel = await vscode.window.showInputBox({
    title: TITLE,
    ignoreFocusOut: true,
    prompt: `Model directory to write (relative to ${folder.name}, or absolute)`,
    value: `models/base-agents-${recipe.task}`,
    validateInput: (v) => (v.trim() ? null : 'Give a folder.'),
  });
  if (!rel) return;
  const out = resolve(folder.uri.fsPath, rel.trim());
  let force = false;
  if (existsSync(out) && readdirSync(out).length > 0) {
    const ok = await vscode.window.showWarningMessage(
      `MAPoRL: ${rel.trim()} exists and is not empty. Replace it?`,
      { modal: true },
      'Replace',
    );
    if (!ok) return;
    force = true;
  }
  const args = ['prepare-agents', ...recipe.args, '--out', out, '--json', ...(force ? ['--force'] : [])];
  const job = s.jobs.start({
    kind: 'prepare',
    label: `base agents (${recipe.task})`,
    args,
    cwd: folder.uri.fsPath,
    env: engineEnv(s.settings()),
  });
  s.log.info(`started: maporl ${args.join(' ')}`);
  let answer = '';
  const outcome = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `MAPoRL: preparing base agents (${recipe.task})`,
      cancellable: true,
    },
    (progress, token) =>
      new Promise<'done' | 'cancelled' | 'failed'>((done) => {
        let shown = 0;
        let stage: BaseStage | null = null;
        const lines = s.jobs.onLog.event(({ job: j, line, stream }) => {
          if (j.id === job.id && stream === 'stdout' && line.trim().startsWith('{')) answer = line.trim();
        });
        // The stage's typed events (protocol StageEvent), each validated on arrival.
        const events = s.jobs.onEvent.event(({ job: j, payload }) => {
          if (j.id !== job.id || validateRunEvent(payload) !== null) return;
          const e = payload as RunEvent;
          if (e.type !== 'stage' || e.stage !== 'base-agents' || e.state !== 'running' || e.total <= 0) return;
          stage = foldBaseStage(stage, e);
          const pct = (100 * stage.step) / stage.total;
          progress.report({ increment: pct - shown, message: baseStageLine(stage) });
          shown = pct;
        });
        const exit = s.jobs.onDidExit.event((j) => {
          if (j.id !== job.id) return;
          lines.dispose();
          events.dispose();
          exit.dispose();
          done(j.state.stopRequested ? 'cancelled' : j.state.exitCode === 0 ? 'done' : 'failed');
        });
        token.onCancellationRequested(() => void s.jobs.stop(job.id));
      }),
  );
  if (outcome === 'cancelled') {
    void vscode.window.showInformationMessage('MAPoRL: base-agent preparation cancelled; nothing was written.');
    return;
  }
  if (outcome !== 'done') return; // the job reporter shows the error with the last log lines
  const seconds = (() => {
    try {
      const s = (JSON.parse(answer) as { seconds?: unknown }).seconds; // --json's {modelDir, cached, fresh, seconds}
      return typeof s === 'number' && Number.isFinite(s) ? Math.round(s) : null;
    } catch {
      return null;
    }
  })();
  const target = recipe.config ?? (await experimentFor());
  const shownOut = relative(folder.uri.fsPath, out) || out;
  const choice = await vscode.window.showInformationMessage(
    `MAPoRL: base agents written to ${shownOut}${seconds !== null ? ` (${seconds} s)` : ''}.`,
    ...(target ? [`Use in ${vscode.workspace.asRelativePath(target, false)}`] : []),
    'Reveal in Explorer',
  );
  if (choice === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(out));
  else if (choice && target) await useInExperiment(target, out);
}

/** The recipe: an experiment's baseAgents section (the argument, the active editor, or each in the workspace), or a built-in task. */
async function pickRecipe(arg: unknown): Promise<RecipeChoice | undefined> {
  const steps = (templateOverrides()?.baseAgents as { steps?: unknown } | undefined)?.steps; // end-to-end tests only
  const stepArgs = typeof steps === 'number' ? ['--steps', String(steps)] : [];
  const builtins: RecipeChoice[] = [
    {
      label: 'Built-in arithmetic',
      description: 'tiny preset, 2200 SFT steps (about 2 minutes on 2 cores)',
      args: ['--task', 'arith', ...stepArgs],
      task: 'arith',
    },
    {
      label: 'Built-in entailment (NLI)',
      description: 'tiny preset, 2200 SFT steps',
      args: ['--task', 'nli', ...stepArgs],
      task: 'nli',
    },
  ];
  const given = arg instanceof vscode.Uri && arg.fsPath.endsWith(CONFIG_SUFFIX) ? [arg] : [];
  const active = vscode.window.activeTextEditor?.document.uri;
  const configs = given.length
    ? given
    : (await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB, 50)).sort(
        (a, b) => Number(b.toString() === active?.toString()) - Number(a.toString() === active?.toString()),
      );
  const fromConfigs: RecipeChoice[] = [];
  for (const uri of configs) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    let parsed: { baseAgents?: unknown; task?: { type?: unknown } };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      continue;
    }
    if (!parsed.baseAgents) continue;
    const task = typeof parsed.task?.type === 'string' ? parsed.task.type : 'arith';
    fromConfigs.push({
      label: `From ${vscode.workspace.asRelativePath(uri, false)}`,
      description: 'its baseAgents section, task and prompts',
      args: ['--config', uri.fsPath],
      task,
      config: uri,
    });
  }
  if (given.length && fromConfigs.length) return fromConfigs[0];
  return vscode.window.showQuickPick([...fromConfigs, ...builtins], {
    title: TITLE,
    placeHolder: 'Recipe of the base agents',
    ignoreFocusOut: true,
  });
}

/** The experiment to offer the model to: the active config, else the only one in the workspace. */
async function experimentFor(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.fsPath.endsWith(CONFIG_SUFFIX)) return active;
  const all = await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB, 2);
  return all.length === 1 ? all[0] : undefined;
}

/** Rewrites the config's model specs to the directory (one undoable edit) and shows the result. */
async function useInExperiment(config: vscode.Uri, modelDir: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(config);
  const next = useModelInConfig(doc.getText(), modelSpec(dirname(config.fsPath), modelDir));
  if (!next.ok) {
    void vscode.window.showErrorMessage(`MAPoRL: ${vscode.workspace.asRelativePath(config, false)}: ${next.problem}`);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(config, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), next.value);
  await vscode.workspace.applyEdit(edit);
  await doc.save();
  await vscode.window.showTextDocument(doc, { preview: false });
}
