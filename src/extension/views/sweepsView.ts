// The Sweeps view: each sweep directory of the runs folders (sweepDirs.ts), its cells, and their runs
// with state and progress (sweepStatus, via sweepModel.ts). Refreshed when a sweep's files change and,
// while a run is running or queued, on a timer (Slurm states change without a file changing).
// Context values drive the menus of package.json:
//   sweep / sweep.active   a sweep (active: a run is running or queued; Cancel applies)
//   sweepCell              a cell
//   sweepRun.<state>       a run (pending/running/finished/failed/stopped)
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SweepRunStatus } from '../../protocol/sweepSchema';
import { countsText, percentDone, runDescription, sweepTree, type SweepCell, type SweepTree } from '../sweeps/sweepModel';
import { findSweepDirs, loadSweepStatus } from '../sweeps/sweepDirs';

export type SweepsNode =
  | { kind: 'sweep'; sweep: SweepTree }
  | { kind: 'sweepError'; dir: string; message: string }
  | { kind: 'cell'; sweep: SweepTree; cell: SweepCell }
  | { kind: 'run'; sweep: SweepTree; run: SweepRunStatus };

const STATE_ICONS: Record<SweepRunStatus['state'], vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('clock'),
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
};

export interface SweepsViewDeps {
  runsFolders(): string[];
  log: vscode.LogOutputChannel;
  /** Whether the workspace is trusted: if not, Slurm is not asked (squeue and sacct are not run). */
  trusted(): boolean;
  /** How often active sweeps are read again. */
  pollMs?: number;
}

export class SweepsView implements vscode.TreeDataProvider<SweepsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SweepsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: SweepsNode[] = [];
  private loading: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watchers: vscode.FileSystemWatcher[] = [];

  constructor(private readonly deps: SweepsViewDeps) {
    this.watch();
    void this.refresh();
  }

  /** Sweeps as last read (the Cancel and Report commands pick from them). */
  sweeps(): SweepTree[] {
    return this.nodes.flatMap((n) => (n.kind === 'sweep' ? [n.sweep] : []));
  }

  /** Reads every sweep again (coalesced: one read at a time, one more if asked meanwhile). */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  /** The runs folders changed (settings, workspace folders). */
  foldersChanged(): void {
    this.watch();
    void this.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.dispose();
    this.changed.dispose();
  }

  private async load(): Promise<void> {
    const dirs = findSweepDirs(this.deps.runsFolders());
    this.nodes = await Promise.all(
      dirs.map(async (dir): Promise<SweepsNode> => {
        try {
          return { kind: 'sweep', sweep: sweepTree(await loadSweepStatus(dir, this.deps.trusted())) };
        } catch (e) {
          this.deps.log.warn(`sweep ${dir}: ${(e as Error).message}`);
          return { kind: 'sweepError', dir, message: (e as Error).message };
        }
      }),
    );
    this.changed.fire(undefined);
    clearTimeout(this.timer);
    if (this.sweeps().some((s) => s.active)) this.timer = setTimeout(() => void this.refresh(), this.deps.pollMs ?? 5000);
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    const soon = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.refresh(), 500);
    };
    this.watchers = this.deps.runsFolders().map((f) => {
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(f), '**/{sweep.json,jobs.jsonl,summary.json}'),
      );
      w.onDidCreate(soon);
      w.onDidChange(soon);
      w.onDidDelete(soon);
      return w;
    });
  }

  getChildren(node?: SweepsNode): SweepsNode[] {
    if (!node) return this.nodes;
    if (node.kind === 'sweep') return node.sweep.cells.map((cell) => ({ kind: 'cell', sweep: node.sweep, cell }));
    if (node.kind === 'cell') return node.cell.runs.map((run) => ({ kind: 'run', sweep: node.sweep, run }));
    return [];
  }

  getTreeItem(node: SweepsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'sweep': {
        const { sweep } = node;
        const item = new vscode.TreeItem(sweep.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `sweep:${sweep.dir}`;
        const runs = sweep.cells.flatMap((c) => c.runs);
        item.description = `${countsText(sweep.counts)} · ${Math.floor(percentDone(runs))}%`;
        item.tooltip = new vscode.MarkdownString(
          `**${sweep.name}** — ${sweep.cells.length} cells, ${runs.length} runs\n\n${countsText(sweep.counts)}\n\n\`${sweep.dir}\``,
        );
        item.iconPath = sweep.active ? STATE_ICONS.running : new vscode.ThemeIcon('beaker');
        item.contextValue = sweep.active ? 'sweep.active' : 'sweep';
        item.resourceUri = vscode.Uri.file(sweep.dir);
        return item;
      }
      case 'sweepError': {
        const item = new vscode.TreeItem(node.dir.split(/[\\/]/).pop() ?? node.dir, vscode.TreeItemCollapsibleState.None);
        item.id = `sweepError:${node.dir}`;
        item.description = node.message;
        item.tooltip = `${node.dir}\n\n${node.message}`;
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
      case 'cell': {
        const { cell } = node;
        const item = new vscode.TreeItem(cell.cell, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `sweepCell:${node.sweep.dir}:${cell.cell}`;
        item.description = `${countsText(cell.counts)} · ${Math.floor(percentDone(cell.runs))}%`;
        item.iconPath = new vscode.ThemeIcon('symbol-array');
        item.contextValue = 'sweepCell';
        return item;
      }
      case 'run': {
        const { run } = node;
        const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
        item.id = `sweepRun:${node.sweep.dir}:${run.name}`;
        item.description = runDescription(run);
        const dir = join(node.sweep.dir, 'runs', run.name);
        item.tooltip = new vscode.MarkdownString(
          `**${run.name}** — ${run.state}${run.resumable ? ' (resumable)' : ''}\n\n\`${dir}\`${run.message ? `\n\n${run.message}` : ''}`,
        );
        item.iconPath = STATE_ICONS[run.state];
        item.contextValue = `sweepRun.${run.state}`;
        item.resourceUri = vscode.Uri.file(dir);
        return item;
      }
    }
  }
}
