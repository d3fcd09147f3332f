// The run dashboards: one webview panel per run directory, opened beside the editor. The panel keeps no
// data in the page across hides: the page saves its view state (getState/setState), asks for a snapshot
// on load, and a WebviewPanelSerializer brings panels back after a restart. Messages from the page are
// validated, and any path it names goes through the path guard before anything is opened.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { describeMessage } from '../../protocol/check';
import { isWebviewToHost, type HostToWebview, type WebviewToHost } from '../../protocol/webview';
import { DASHBOARD_VIEW_TYPE } from '../commandIds';
import { labelCounts } from '../runData/labelCounts';
import { offsetToPosition, pointerOffsets } from '../../protocol/jsonText';
import { locatePointer } from '../json/jsonLocation';
import { RUN_FILES } from '../runData/runDirectory';
import { emptyDelta } from '../runData/runModel';
import type { RunStore } from '../runData/runStore';
import { guardFile } from '../security/pathGuard';
import { dashboardHtml } from './dashboardHtml';
import { runFiles } from './runFiles';
import { runHeader } from './runHeader';
import { UpdateBatcher, type Batch } from './updateBatcher';
import { PanelRegistry, pageFiles, type OpenPanel } from '../webview/panelRegistry';

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  runs: RunStore;
  log: vscode.LogOutputChannel;
  refreshMs(): number;
  allowedRoots(): string[];
  /** Whether opening a dashboard also opens the experiment's config and data beside it (setting). */
  opensFilesBeside?(): boolean;
  /** Opens the run's transcripts editor (at a discussion, by its discussionKey). */
  annotate(runDir: string, key?: string): Promise<void>;
}

/** What the page saves with setState and the serializer gets back. */
interface SavedState {
  runDir?: unknown;
}

export class DashboardPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels: PanelRegistry<DashboardPanel>;

  constructor(private readonly deps: DashboardDeps) {
    this.panels = new PanelRegistry(DASHBOARD_VIEW_TYPE, deps.extensionUri);
  }

  /** Shows the dashboard of a run, creating it beside the active editor. */
  open(runDir: string): void {
    const key = resolve(runDir);
    const { item, created } = this.panels.open(key, titleOf(key), this.make);
    if (created && (this.deps.opensFilesBeside?.() ?? false))
      void item
        .showFilesBeside()
        .catch((e: Error) => this.deps.log.warn(`dashboard: could not open the run's files: ${e.message}`));
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const runDir = (state as SavedState | undefined)?.runDir;
    this.panels.restore(panel, typeof runDir === 'string' ? resolve(runDir) : null, this.make);
  }

  isOpen(runDir: string): boolean {
    return this.panels.get(resolve(runDir)) !== undefined;
  }

  /** The run's annotations were saved: its open dashboard shows the new label counts. */
  annotationsChanged(runDir: string): void {
    this.panels.get(resolve(runDir))?.refreshHeader();
  }

  dispose(): void {
    this.panels.dispose();
  }

  private readonly make = (panel: vscode.WebviewPanel, runDir: string) => new DashboardPanel(panel, runDir, this.deps);
}

const titleOf = (runDir: string) => `Run: ${runDir.split(/[\\/]/).pop()}`;

class DashboardPanel implements OpenPanel {
  private readonly run;
  private readonly batcher: UpdateBatcher;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly runDir: string,
    private readonly deps: DashboardDeps,
  ) {
    this.run = deps.runs.acquire(runDir);
    this.batcher = new UpdateBatcher((b) => this.send(b), deps.refreshMs());
    const webview = panel.webview;
    panel.title = titleOf(runDir);
    webview.html = dashboardHtml({ ...pageFiles(webview, deps.extensionUri, 'dashboard'), runDir, title: panel.title });

    const updates = deps.runs.onDidUpdateRun.event((u) => {
      if (u.dir === this.runDir) this.batcher.push(u.delta);
    });
    this.subscriptions.push(
      { dispose: () => updates.dispose() },
      webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.batcher.flush();
      }),
    );
  }

  /** Sends the header again at the next refresh (nothing else changed). */
  refreshHeader(): void {
    this.batcher.push({ ...emptyDelta(), events: 1 });
  }

  dispose(): void {
    this.batcher.dispose();
    this.run.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private send(batch: Batch): void {
    // A hidden panel has no page to receive messages; it asks for a snapshot when it is shown again.
    if (!this.panel.visible) return;
    const model = this.run.model;
    const header = runHeader(model, labelCounts(this.runDir));
    const msg: HostToWebview = batch.snapshot
      ? {
          type: 'snapshot',
          header,
          metrics: model.metrics,
          evalMetrics: model.evalMetrics,
          transcripts: model.latestTranscripts(),
        }
      : { type: 'append', header, metrics: batch.metrics, evalMetrics: batch.evalMetrics, transcripts: batch.transcripts };
    void this.panel.webview.postMessage(msg);
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) {
      this.deps.log.warn(`dashboard: dropped a malformed ${describeMessage(message)}`);
      return;
    }
    if (resolve(message.runDir) !== this.runDir) {
      this.deps.log.warn(`dashboard: dropped a ${message.type} message for another run (${message.runDir})`);
      return;
    }
    void this.handle(message).catch((e: Error) => this.deps.log.error(`dashboard: ${message.type} failed: ${e.message}`));
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.batcher.setInterval(this.deps.refreshMs());
        this.batcher.requestSnapshot();
        this.batcher.flush();
        return;
      case 'openSource':
        return this.openGuarded(message.file, message.line - 1, 0);
      case 'openConfig': {
        // The experiment's own file when it states the key, else the run's resolved config.json (every default).
        const { config: experiment, experiment: known } = runFiles(this.runDir, this.run.model.config);
        const at = known ? exactPointer(experiment, message.pointer) : null;
        const file = at ? experiment : join(this.runDir, RUN_FILES.config);
        let pos = at ?? { line: 0, column: 0 };
        if (!at) {
          try {
            pos = locatePointer(readFileSync(file, 'utf8'), message.pointer) ?? pos;
          } catch {
            /* opened below, which reports the missing file */
          }
        }
        return this.openGuarded(file, pos.line, pos.column);
      }
      case 'runCommand': {
        const { config, experiment } = runFiles(this.runDir, this.run.model.config);
        return void vscode.commands.executeCommand(message.command, experiment ? vscode.Uri.file(config) : undefined);
      }
      case 'annotate':
        return this.deps.annotate(this.runDir, message.key);
    }
  }

  /** The experiment's config (active) and its training data in the editor group beside the panel, keeping the focus here. */
  async showFilesBeside(): Promise<void> {
    const { config, data } = runFiles(this.runDir, this.run.model.config ?? readConfig(this.runDir));
    await new Promise((r) => setTimeout(r, 0)); // the new panel has its view column after this turn
    // Where the config already shows (New Experiment… put it there), else the group beside the panel.
    const shown = vscode.window.visibleTextEditors.find(
      (e) => e.document.uri.fsPath === config && e.viewColumn !== this.panel.viewColumn,
    );
    const column = shown?.viewColumn ?? this.besideColumn();
    for (const file of [data, config]) {
      if (!file) continue;
      const checked = guardFile(file, [...this.deps.allowedRoots(), this.runDir], [...this.deps.allowedRoots(), this.runDir]);
      if (!checked.ok) continue;
      await vscode.window.showTextDocument(vscode.Uri.file(checked.path), {
        viewColumn: column,
        preserveFocus: true,
        preview: false,
      });
    }
  }

  private besideColumn(): vscode.ViewColumn {
    return this.panel.viewColumn && this.panel.viewColumn > vscode.ViewColumn.One
      ? this.panel.viewColumn - 1
      : vscode.ViewColumn.Beside;
  }

  /** Opens a file at a 0-based line in the editor group beside the panel, if the path guard allows it. */
  private async openGuarded(file: string, line: number, column: number): Promise<void> {
    const bases = [...this.deps.allowedRoots(), this.runDir, dirname(this.runDir)];
    const checked = guardFile(file, [...this.deps.allowedRoots(), this.runDir], bases);
    if (!checked.ok) {
      this.deps.log.warn(`dashboard: refused to open ${checked.reason}`);
      void vscode.window.showWarningMessage(`MAPoRL: cannot open ${checked.reason}.`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(checked.path));
    const at = new vscode.Position(Math.min(line, Math.max(0, doc.lineCount - 1)), column);
    const column_ =
      this.panel.viewColumn && this.panel.viewColumn > vscode.ViewColumn.One
        ? this.panel.viewColumn - 1
        : vscode.ViewColumn.Beside;
    await vscode.window.showTextDocument(doc, { viewColumn: column_, selection: new vscode.Range(at, at), preserveFocus: false });
  }
}

/** Where a pointer's key is in a JSON file, only when the file states that key itself. */
function exactPointer(file: string, pointer: string): { line: number; column: number } | null {
  try {
    const at = pointerOffsets(readFileSync(file, 'utf8')).get(pointer);
    return at === undefined ? null : offsetToPosition(readFileSync(file, 'utf8'), at);
  } catch {
    return null;
  }
}

function readConfig(runDir: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
