// The checkpoint comparison panels: one webview panel per set of sides (checkpoints, in order), opened
// beside the editor. The page keeps nothing across hides: it asks for everything when it loads, and a
// WebviewPanelSerializer brings panels back after a restart from the side paths the page saved. A
// comparison job belongs to the set of sides, not to the page, so it goes on when the panel closes and
// a reopened panel shows its progress. Messages from the page are validated (protocol/compareView.ts)
// and name no path; every file read lies in a runs folder (sides.ts, savedComparisons.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { validateCompareToHost, type CompareSideView, type CompareToHost, type HostToCompare } from '../../protocol/compareView';
import type { ComparisonResult } from '../../protocol/comparison';
import { describeMessage } from '../../protocol/check';
import { COMPARE_VIEW_TYPE, TRANSCRIPTS_VIEW_TYPE } from '../commandIds';
import { requireTrust } from '../security/workspaceTrust';
import type { JobManager } from '../jobs/jobManager';
import { locatePointer } from '../json/jsonLocation';
import { RUN_FILES } from '../runData/runDirectory';
import { guardFile } from '../security/pathGuard';
import { engineEnv, type Settings } from '../settings';
import { compareHtml } from './compareHtml';
import { CompareRun, compareArgs, type CompareOutcome } from './compareJob';
import { loadPanelData, type PanelData } from './panelData';
import { comparisonDir, discussionAt, readSavedResult, sideTranscriptsFile, summaryOf } from './savedComparisons';
import { sidesOf } from './sides';
import { PanelRegistry, pageFiles, type OpenPanel } from '../webview/panelRegistry';

export interface CompareDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  jobs: JobManager;
  settings(): Settings;
  /** The only folders the panels read from. */
  runsFolders(): string[];
}

/** What the page saves with setState and the serializer gets back. */
interface SavedState {
  sides?: unknown;
}

const keyOf = (sides: readonly CompareSideView[]) => sides.map((s) => s.path).join('\n');
const titleOf = (sides: readonly CompareSideView[]) => `Compare: ${sides.map((s) => s.label).join(' vs ')}`;

export class ComparePanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels: PanelRegistry<ComparePanel>;
  private readonly runs = new Map<string, CompareRun>();

  constructor(private readonly deps: CompareDeps) {
    this.panels = new PanelRegistry(COMPARE_VIEW_TYPE, deps.extensionUri);
  }

  /** Shows the comparison of these sides (2 or more), creating its panel beside the active editor. */
  open(sides: readonly CompareSideView[]): void {
    this.panels.open(keyOf(sides), titleOf(sides), (panel) => new ComparePanel(panel, [...sides], this.deps, this));
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const paths = (state as SavedState | undefined)?.sides;
    const { sides } =
      Array.isArray(paths) && paths.every((p) => typeof p === 'string') ? sidesOf(paths, this.deps.runsFolders()) : { sides: [] };
    const whole = sides.length >= 2 && sides.length === (paths as string[]).length;
    this.panels.restore(panel, whole ? keyOf(sides) : null, (p) => new ComparePanel(p, sides, this.deps, this));
  }

  dispose(): void {
    this.panels.dispose();
  }

  /** The job comparing these sides, if one runs. */
  running(sides: readonly CompareSideView[]): CompareRun | undefined {
    return this.runs.get(keyOf(sides));
  }

  /** Starts a comparison job of these sides; its end reaches the panel, or a notification when closed. */
  start(sides: readonly CompareSideView[], args: string[], cwd: string): CompareRun {
    const key = keyOf(sides);
    const run = new CompareRun(this.deps.jobs, {
      label: `compare ${sides.map((s) => s.label).join(' vs ')}`,
      args,
      cwd,
      env: engineEnv(this.deps.settings()),
      sides: sides.length,
    });
    this.runs.set(key, run);
    this.deps.log.info(`started: maporl ${args.join(' ')}`);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'MAPoRL: comparing checkpoints', cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => run.cancel());
          const sub = run.onProgress.event((v) =>
            progress.report({ message: v.side === null ? v.message : `side ${v.side + 1} of ${v.sides}` }),
          );
          void run.finished.then(() => {
            sub.dispose();
            resolve();
          });
        }),
    );
    void run.finished.then((outcome) => {
      this.runs.delete(key);
      this.deps.log.info(`compare: ${outcome.message}`);
      const panel = this.panels.get(key);
      if (panel) panel.jobEnded(outcome);
      else if (outcome.ok) {
        void vscode.window
          .showInformationMessage('MAPoRL: the checkpoint comparison is done.', 'Show')
          .then((c) => c && this.open(sides));
      } else if (!outcome.cancelled) {
        void vscode.window.showErrorMessage(`MAPoRL: ${outcome.message}`);
      }
    });
    return run;
  }
}

class ComparePanel implements OpenPanel {
  private readonly subscriptions: vscode.Disposable[] = [];
  private data: PanelData | null = null;
  private progress: { dispose(): void } | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly sides: CompareSideView[],
    private readonly deps: CompareDeps,
    private readonly owner: ComparePanels,
  ) {
    const webview = panel.webview;
    panel.title = titleOf(sides);
    webview.html = compareHtml({ ...pageFiles(webview, deps.extensionUri, 'compare'), title: panel.title });
    this.subscriptions.push(webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    const run = owner.running(sides);
    if (run) this.follow(run);
  }

  dispose(): void {
    this.progress?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  jobEnded(outcome: CompareOutcome): void {
    this.progress?.dispose();
    this.progress = undefined;
    if (outcome.ok && outcome.result) this.showResult(outcome.result);
    this.post({ type: 'job', job: null, outcome: { ok: outcome.ok, message: outcome.message } });
  }

  private follow(run: CompareRun): void {
    this.progress?.dispose();
    this.progress = run.onProgress.event((job) => this.post({ type: 'job', job, outcome: null }));
  }

  private post(message: HostToCompare): void {
    void this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    const problem = validateCompareToHost(message);
    if (problem) {
      this.deps.log.warn(`compare: dropped a malformed ${describeMessage(message)} (${problem})`);
      return;
    }
    const m = message as CompareToHost;
    void this.handle(m).catch((e: Error) => this.deps.log.error(`compare: ${m.type} failed: ${e.message}`));
  }

  private async handle(m: CompareToHost): Promise<void> {
    const folders = this.deps.runsFolders();
    switch (m.type) {
      case 'ready': {
        this.data = loadPanelData(this.sides, folders);
        for (const p of this.data.problems) this.deps.log.warn(`compare: ${p}`);
        const d = this.data;
        this.post({
          type: 'init',
          sides: d.sides,
          configDiff: d.configDiff,
          curves: d.curves,
          sources: d.sources,
          defaults: d.defaults,
          saved: d.saved,
          problems: d.problems,
          result: d.savedDirs[0]?.result ?? null,
          job: this.owner.running(this.sides)?.view ?? null,
          canRun: vscode.workspace.isTrusted,
        });
        return;
      }
      case 'run':
        return this.run(m.source, m.questions, m.seed);
      case 'cancel':
        this.owner.running(this.sides)?.cancel();
        return;
      case 'showSaved': {
        const result = readSavedResult(comparisonDir(this.sides, m.key), this.sides, folders);
        if (result) this.showResult(result);
        return;
      }
      case 'showDiscussion': {
        const dir = comparisonDir(this.sides, m.key);
        const result = readSavedResult(dir, this.sides, folders);
        if (!result) return;
        this.post({ type: 'discussion', key: m.key, line: m.line, records: discussionAt(dir, result, m.line, folders) });
        return;
      }
      case 'openTranscripts':
        return this.openTranscripts(m.key);
      case 'openConfig': {
        const side = this.sides[m.side];
        if (!side) return;
        const checked = guardFile(join(side.runDir, RUN_FILES.config), folders, []);
        if (!checked.ok) return this.refuse(checked.reason);
        let pos = { line: 0, column: 0 };
        try {
          pos = locatePointer(readFileSync(checked.path, 'utf8'), m.pointer) ?? pos;
        } catch {
          /* opened below, which reports an unreadable file */
        }
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(checked.path));
        const at = new vscode.Position(pos.line, pos.column);
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(at, at) });
        return;
      }
    }
  }

  private async run(source: string, questions: number, seed: number): Promise<void> {
    if (!requireTrust('Comparing checkpoints')) return;
    if (this.owner.running(this.sides)) return;
    const choice = (this.data ?? loadPanelData(this.sides, this.deps.runsFolders())).choices.find((c) => c.id === source);
    if (!choice) {
      this.deps.log.warn(`compare: unknown question source ${source}`);
      return;
    }
    const cwd = this.sides[0].runDir;
    let run: CompareRun;
    try {
      run = this.owner.start(this.sides, compareArgs(this.sides, choice, questions, seed), cwd);
    } catch (e) {
      this.post({
        type: 'job',
        job: null,
        outcome: { ok: false, message: `could not start the engine: ${(e as Error).message}` },
      });
      return;
    }
    this.follow(run);
    this.post({ type: 'job', job: run.view, outcome: null });
  }

  /** Shows a result, read back from its folder when it was saved there (the page's later requests go there). */
  private showResult(result: ComparisonResult): void {
    const folders = this.deps.runsFolders();
    const saved = readSavedResult(comparisonDir(this.sides, result.key), this.sides, folders) ?? result;
    this.data = loadPanelData(this.sides, folders);
    this.post({ type: 'result', result: saved, saved: this.data.saved.length ? this.data.saved : [summaryOf(saved)] });
  }

  /**
   * Each side's transcripts file in the transcripts editor (where discussions are labelled), one editor
   * group per side. The editor selects a discussion only in a run's own transcripts.jsonl
   * (TranscriptsEditorProvider.open), so the page's question (the message's line) is not selected there yet.
   */
  private async openTranscripts(key: string): Promise<void> {
    const folders = this.deps.runsFolders();
    const dir = comparisonDir(this.sides, key);
    const result = readSavedResult(dir, this.sides, folders);
    if (!result) return;
    for (let i = 0; i < result.sides.length; i++) {
      const file = sideTranscriptsFile(dir, result, i);
      const checked = file ? guardFile(file, folders, []) : { ok: false as const, reason: `side ${i}: no transcripts file` };
      if (!checked.ok) return this.refuse(checked.reason);
      const uri = vscode.Uri.file(checked.path);
      // The first beside the panel, each next one beside the one before: one column per side.
      await vscode.commands.executeCommand('vscode.openWith', uri, TRANSCRIPTS_VIEW_TYPE, {
        viewColumn: vscode.ViewColumn.Beside,
        preserveFocus: false,
      });
    }
  }

  private refuse(reason: string): void {
    this.deps.log.warn(`compare: refused to open ${reason}`);
    void vscode.window.showWarningMessage(`MAPoRL: cannot open ${reason}.`);
  }
}
