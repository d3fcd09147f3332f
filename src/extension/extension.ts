// Entry point of the extension host: creates the services and wires commands, views, the status bar
// and the dashboard serializer. Behaviour lives in the files it imports (one file per command).
import { join } from 'node:path';
import * as vscode from 'vscode';
import { TranscriptsEditorProvider } from './annotations/transcriptsEditor';
import {
  COMPARE_VIEW_TYPE,
  CommandId,
  DASHBOARD_VIEW_TYPE,
  EXPERIMENTS_VIEW_ID,
  RUNS_VIEW_ID,
  SWEEPS_VIEW_ID,
  TRANSCRIPTS_VIEW_TYPE,
} from './commandIds';
import { annotateTranscripts } from './commands/annotateTranscripts';
import { cancelSweep } from './commands/cancelSweep';
import { compareCheckpoints } from './commands/compareCheckpoints';
import { evaluateCheckpoint } from './commands/evaluateCheckpoint';
import { newExperiment } from './commands/newExperiment';
import { prepareBaseAgents } from './commands/prepareBaseAgents';
import { ConfigHoverProvider } from './config/configHover';
import { openDashboard } from './commands/openDashboard';
import { openSweepReport } from './commands/openSweepReport';
import { refreshRuns } from './commands/refreshRuns';
import { resumeTraining } from './commands/resumeTraining';
import { showEngineLog } from './commands/showEngineLog';
import { startSweep } from './commands/startSweep';
import { startTraining } from './commands/startTraining';
import { stopTraining } from './commands/stopTraining';
import { ComparePanels } from './compare/comparePanels';
import { DashboardPanels } from './dashboard/dashboardPanels';
import { JobManager } from './jobs/jobManager';
import { reportJobs } from './jobs/jobReporting';
import { RunStore } from './runData/runStore';
import type { Services } from './commands/services';
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
  const settings = (): Settings => {
    const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    return readSettings((k) => c.get(k));
  };
  const workspaceFolders = () =>
    (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const folders = () => runsFolders(settings().runsFolder, workspaceFolders());
  const totalStepsOf = (config: Record<string, unknown> | null) => {
    const training = config?.training as { iterations?: unknown } | undefined;
    return typeof training?.iterations === 'number' ? training.iterations : null;
  };

  const runs = new RunStore({ runsFolders: folders, totalStepsOf, log: (m) => log.warn(m) });
  const jobs = new JobManager({
    cliPath: join(context.extensionPath, 'dist', 'cli.js'),
    killTimeoutMs: settings().stopTimeoutSeconds * 1000,
  });
  const allowedRoots = () => [...workspaceFolders(), ...folders()];
  // A run's annotations saved in this window: the Runs view and the dashboard show label counts.
  const annotationsSaved = new Emitter<string>();
  const transcripts = new TranscriptsEditorProvider({
    extensionUri: context.extensionUri,
    log,
    allowedRoots,
    annotation: () => settings().annotation,
    onDidSave: (dir) => annotationsSaved.fire(dir),
  });
  const dashboards = new DashboardPanels({
    extensionUri: context.extensionUri,
    runs,
    log,
    refreshMs: () => settings().dashboardRefreshMs,
    allowedRoots,
    opensFilesBeside: () => settings().dashboardOpensConfig,
    annotate: (runDir, key) => transcripts.open(runDir, key),
  });
  annotationsSaved.event((dir) => dashboards.annotationsChanged(dir));
  const services: Services = {
    extensionUri: context.extensionUri,
    cliPath: join(context.extensionPath, 'dist', 'cli.js'),
    log,
    jobs,
    runs,
    dashboards,
    transcripts,
    settings,
    runsFolders: folders,
    allowedRoots,
  };
  const comparisons = new ComparePanels({ extensionUri: context.extensionUri, log, jobs, settings, runsFolders: folders });
  const sweepsView = new SweepsView({
    runsFolders: folders,
    cliPath: services.cliPath,
    log,
    trusted: () => vscode.workspace.isTrusted,
  });
  const sweepReports = new SweepReportPanels({ extensionUri: context.extensionUri, log, runsFolders: folders });

  const handlers: Record<CommandId, (arg?: unknown, selection?: unknown) => Promise<void>> = {
    [CommandId.NewExperiment]: () => newExperiment(services),
    [CommandId.StartTraining]: (arg) => startTraining(services, arg),
    [CommandId.StopTraining]: (arg) => stopTraining(services, arg),
    [CommandId.ResumeTraining]: (arg) => resumeTraining(services, arg),
    [CommandId.OpenDashboard]: (arg) => openDashboard(services, arg),
    [CommandId.EvaluateCheckpoint]: (arg) => evaluateCheckpoint(services, arg),
    [CommandId.ShowEngineLog]: () => showEngineLog(services),
    [CommandId.RefreshRuns]: () => refreshRuns(services),
    [CommandId.PrepareBaseAgents]: (arg) => prepareBaseAgents(services, arg),
    [CommandId.CompareCheckpoints]: (arg, selection) => compareCheckpoints(services, comparisons, arg, selection),
    [CommandId.AnnotateTranscripts]: (arg) => annotateTranscripts(services, arg),
    [CommandId.StartSweep]: (arg) => startSweep(services, sweepsView, arg),
    [CommandId.CancelSweep]: (arg) => cancelSweep(services, sweepsView, arg),
    [CommandId.OpenSweepReport]: (arg) => openSweepReport(sweepReports, sweepsView, arg),
  };
  for (const [id, run] of Object.entries(handlers)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, (arg?: unknown, selection?: unknown) =>
        run(arg, selection).catch((e: Error) => {
          log.error(`${id}: ${e.stack ?? e.message}`);
          void vscode.window.showErrorMessage(`MAPoRL: ${e.message}`);
        }),
      ),
    );
  }

  const runsView = new RunsView(runs, annotationsSaved.event);
  const experimentsView = new ExperimentsView();
  context.subscriptions.push(
    log,
    vscode.window.registerTreeDataProvider(EXPERIMENTS_VIEW_ID, experimentsView),
    vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsView, canSelectMany: true }),
    vscode.window.registerTreeDataProvider(SWEEPS_VIEW_ID, sweepsView),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, dashboards),
    vscode.languages.registerHoverProvider(
      { scheme: 'file', pattern: '**/*.maporl.json' },
      new ConfigHoverProvider(context.extensionUri, runs),
    ),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, comparisons),
    vscode.window.registerCustomEditorProvider(TRANSCRIPTS_VIEW_TYPE, transcripts, { supportsMultipleEditorsPerDocument: false }),
    transcripts,
    annotationsSaved,
    experimentsView,
    runsView,
    dashboards,
    comparisons,
    sweepsView,
    sweepReports,
    new TrainingStatusBar(jobs, runs),
    reportJobs(jobs, runs, log),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.annotation`)) transcripts.settingsChanged();
      if (e.affectsConfiguration(SETTINGS_SECTION)) {
        runs.refreshList();
        sweepsView.foldersChanged();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      runs.refreshList();
      sweepsView.foldersChanged();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('workspace trusted: jobs may start')),
    { dispose: () => runs.dispose() },
    // Training jobs keep running after the window closes or reloads; the next window follows them.
    { dispose: () => jobs.dispose() },
  );
  runs.start(POLL_MS);
  log.info(
    `MAPoRL Studio active; runs folders: ${folders().join(', ') || '(no workspace folder)'}${vscode.workspace.isTrusted ? '' : '; Restricted Mode: runs are read-only'}`,
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
