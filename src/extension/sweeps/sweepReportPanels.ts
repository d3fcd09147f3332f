// The sweep report panel: one per sweep directory, drawn by the host from the sweep's files
// (sweepReportHtml.ts) and redrawn on Refresh. Messages from the page are validated; a run is opened
// only by its name in the sweep's plan, and only inside the runs folders (pathGuard).
import { basename, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { SweepDir } from '../../engine/sweep/layout';
import { validateSweepReportMessage, type SweepReportMessage } from '../../protocol/sweepReportView';
import { SWEEP_REPORT_VIEW_TYPE } from '../commandIds';
import { guardFile } from '../security/pathGuard';
import { PanelRegistry, pageFiles, type OpenPanel } from '../webview/panelRegistry';
import { readSweepReportData } from './sweepDirs';
import { sweepReportHtml } from './sweepReportHtml';

export interface SweepReportDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** The only folders whose files the panel reads. */
  runsFolders(): string[];
}

/** One report panel: its page is redrawn from the sweep's files on open and on Refresh. */
class SweepReportPanel implements OpenPanel {
  private readonly sub: vscode.Disposable;

  constructor(
    readonly panel: vscode.WebviewPanel,
    onMessage: (m: unknown) => void,
  ) {
    this.sub = panel.webview.onDidReceiveMessage(onMessage);
  }

  dispose(): void {
    this.sub.dispose();
  }
}

export class SweepReportPanels implements vscode.Disposable {
  private readonly panels: PanelRegistry<SweepReportPanel>;

  constructor(private readonly deps: SweepReportDeps) {
    this.panels = new PanelRegistry(SWEEP_REPORT_VIEW_TYPE, deps.extensionUri);
  }

  open(sweepDir: string): void {
    const dir = resolve(sweepDir);
    const { item } = this.panels.open(
      dir,
      `Sweep: ${basename(dir)}`,
      (panel) =>
        new SweepReportPanel(panel, (m) => {
          const problem = validateSweepReportMessage(m);
          if (problem) return this.deps.log.warn(`sweep report: dropped a message (${problem})`);
          void this.onMessage(panel, dir, m as SweepReportMessage).catch(
            (e: Error) => void vscode.window.showErrorMessage(`MAPoRL: ${e.message}`),
          );
        }),
      vscode.ViewColumn.Active,
    );
    this.render(item.panel, dir);
  }

  dispose(): void {
    this.panels.dispose();
  }

  private render(panel: vscode.WebviewPanel, dir: string): void {
    const webview = panel.webview;
    try {
      const data = readSweepReportData(dir, this.deps.runsFolders());
      webview.html = sweepReportHtml(data, pageFiles(webview, this.deps.extensionUri, 'sweep'));
    } catch (e) {
      this.deps.log.warn(`sweep report ${dir}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`MAPoRL: cannot show the sweep report: ${(e as Error).message}`);
    }
  }

  private async onMessage(panel: vscode.WebviewPanel, dir: string, m: SweepReportMessage): Promise<void> {
    if (m.type === 'refresh') return this.render(panel, dir);
    // openRun: the run's summary when it has one, else its local log or its run directory's events.
    if (!new SweepDir(dir).readPlan()?.runs.some((r) => r.name === m.run))
      return this.deps.log.warn(`sweep report: ${m.run} is not a run of ${dir}`);
    const roots = this.deps.runsFolders();
    const candidates = [
      join(dir, 'runs', m.run, 'summary.json'),
      join(dir, 'logs', `${m.run}.log`),
      join(dir, 'runs', m.run, 'events.jsonl'),
    ];
    const found = candidates.map((c) => guardFile(c, roots, [])).find((g) => g.ok);
    if (!found?.ok) return void vscode.window.showInformationMessage(`MAPoRL: ${m.run} has no files yet.`);
    await vscode.window.showTextDocument(vscode.Uri.file(found.path), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}
