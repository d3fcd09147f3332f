// Entry point of the extension host: creates the services once and wires them to VS Code (commands,
// views, the status bar, panel serializers, the config hover, setting and folder changes). Behaviour
// lives in the files it imports: one file per command (commands/index.ts is the table).
import { join } from 'node:path';
import * as vscode from 'vscode';
import { TranscriptsEditorProvider } from './annotations/transcriptsEditor';
import {
  COMPARE_VIEW_TYPE,
  DASHBOARD_VIEW_TYPE,
  EXPERIMENTS_VIEW_ID,
  RUNS_VIEW_ID,
  SWEEPS_VIEW_ID,
  TRANSCRIPTS_VIEW_TYPE,
} from './commandIds';
import { COMMANDS } from './commands';
import type { Services } from './commands/services';
import { ComparePanels } from './compare/comparePanels';
import { ConfigHoverProvider } from './config/configHover';
import { DashboardPanels } from './dashboard/dashboardPanels';
import { JobManager } from './jobs/jobManager';
import { reportJobs } from './jobs/jobReporting';
import { RunStore } from './runData/runStore';
import { SETTINGS_SECTION, readSettings, runsFolders, type Settings } from './settings';
import { TrainingStatusBar } from './statusBar';
import { SweepReportPanels } from './sweeps/sweepReportPanels';
import { Emitter } from './util/emitter';
import { ExperimentsView } from './views/experimentsView';
import { RunsView } from './views/runsView';
import { SweepsView } from './views/sweepsView';

const POLL_MS = 500;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('MAPoRL', { log: true });
  // A run's annotations saved in this window: the Runs view and the dashboard show label counts.
  const annotationsSaved = new Emitter<string>();
  const s = createServices(context, log, annotationsSaved);
  annotationsSaved.event((dir) => s.dashboards.annotationsChanged(dir));

  for (const [id, run] of Object.entries(COMMANDS)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, (arg?: unknown, selection?: unknown) =>
        run(s, arg, selection).catch((e: Error) => {
          log.error(`${id}: ${e.stack ?? e.message}`);
          void vscode.window.showErrorMessage(`MAPoRL: ${e.message}`);
        }),
      ),
    );
  }

  const runsView = new RunsView(s.runs, annotationsSaved.event);
  const experimentsView = new ExperimentsView();
  const foldersChanged = () => {
    s.runs.refreshList();
    s.sweeps.foldersChanged();
  };
  context.subscriptions.push(
    log,
    vscode.window.registerTreeDataProvider(EXPERIMENTS_VIEW_ID, experimentsView),
    vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsView, canSelectMany: true }),
    vscode.window.registerTreeDataProvider(SWEEPS_VIEW_ID, s.sweeps),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, s.dashboards),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, s.comparisons),
    vscode.window.registerCustomEditorProvider(TRANSCRIPTS_VIEW_TYPE, s.transcripts, {
      supportsMultipleEditorsPerDocument: false,
    }),
    vscode.languages.registerHoverProvider(
      { scheme: 'file', pattern: '**/*.maporl.json' },
      new ConfigHoverProvider(context.extensionUri, s.runs),
    ),
    s.transcripts,
    annotationsSaved,
    experimentsView,
    runsView,
    s.dashboards,
    s.comparisons,
    s.sweeps,
    s.sweepReports,
    new TrainingStatusBar(s.jobs, s.runs),
    reportJobs(s.jobs, s.runs, log),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.annotation`)) s.transcripts.settingsChanged();
      if (e.affectsConfiguration(SETTINGS_SECTION)) foldersChanged();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(foldersChanged),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('workspace trusted: jobs may start')),
    { dispose: () => s.runs.dispose() },
    // Training jobs keep running after the window closes or reloads; the next window follows them.
    { dispose: () => s.jobs.dispose() },
  );
  s.runs.start(POLL_MS);
  log.info(
    `MAPoRL Studio active; runs folders: ${s.runsFolders().join(', ') || '(no workspace folder)'}${vscode.workspace.isTrusted ? '' : '; Restricted Mode: runs are read-only'}`,
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** The services every command, view and panel shares, made once. */
function createServices(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  annotationsSaved: Emitter<string>,
): Services {
  const extensionUri = context.extensionUri;
  const cliPath = join(context.extensionPath, 'dist', 'cli.js');
  const settings = (): Settings => {
    const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return readSettings((k) => c.get(k));
  };
  const workspaceFolders = () =>
    (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const folders = () => runsFolders(settings().runsFolder, workspaceFolders());
  const allowedRoots = () => [...workspaceFolders(), ...folders()];
  const totalStepsOf = (config: Record<string, unknown> | null) => {
    const training = config?.training as { iterations?: unknown } | undefined;
    return typeof training?.iterations === 'number' ? training.iterations : null;
  };

  const runs = new RunStore({ runsFolders: folders, totalStepsOf, log: (m) => log.warn(m) });
  const jobs = new JobManager({ cliPath, killTimeoutMs: settings().stopTimeoutSeconds * 1000 });
  const transcripts = new TranscriptsEditorProvider({
    extensionUri,
    log,
    allowedRoots,
    annotation: () => settings().annotation,
    onDidSave: (dir) => annotationsSaved.fire(dir),
  });
  return {
    extensionUri,
    cliPath,
    log,
    jobs,
    runs,
    transcripts,
    dashboards: new DashboardPanels({
      extensionUri,
      runs,
      log,
      refreshMs: () => settings().dashboardRefreshMs,
      allowedRoots,
      opensFilesBeside: () => settings().dashboardOpensConfig,
      annotate: (runDir, key) => transcripts.open(runDir, key),
    }),
    comparisons: new ComparePanels({ extensionUri, log, jobs, settings, runsFolders: folders }),
    sweeps: new SweepsView({ runsFolders: folders, log, trusted: () => vscode.workspace.isTrusted }),
    sweepReports: new SweepReportPanels({ extensionUri, log, runsFolders: folders }),
    settings,
    runsFolders: folders,
    allowedRoots,
  };
}
