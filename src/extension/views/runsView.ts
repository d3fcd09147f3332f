// The Runs view: each run directory with its status, progress and, below it, its checkpoints, transcripts,
// summary, config and log. Context values drive the inline actions and context menus of package.json:
//   run.<status>[.resumable]   a run (status running/finished/failed/stopped/unknown)
//   checkpoint                 one checkpoints/step-NNNNNN folder
//   runFile                    a file of the run (opens on click)
//   runFile.transcripts        its transcripts.jsonl (opens the transcripts editor; label counts)
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { labelCounts, labelCountsText } from '../runData/labelCounts';
import { CommandId } from '../commandIds';
import { jobFilesOf } from '../runData/jobFile';
import { RUN_FILES, type CheckpointInfo, type RunListing } from '../runData/runDirectory';
import type { RunStore } from '../runData/runStore';
import { progressText } from '../runData/runState';

export type RunsNode =
  | { kind: 'run'; run: RunListing }
  | { kind: 'checkpoints'; run: RunListing }
  | { kind: 'checkpoint'; run: RunListing; checkpoint: CheckpointInfo }
  | {
      kind: 'file';
      run: RunListing;
      label: string;
      path: string;
      icon: string;
      contextValue?: string;
      description?: string;
      tooltip?: string;
    };

const STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('debug-stop'),
  unknown: new vscode.ThemeIcon('question'),
};

/** Whether Resume Training applies: not running, and at least one complete checkpoint. */
export function isResumable(run: RunListing): boolean {
  return run.state.status !== 'running' && run.state.status !== 'finished' && run.checkpoints.length > 0;
}

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): void }[];

  /** `onDidSaveAnnotations`: a run's labels changed here (its counts are shown). */
  constructor(
    private readonly runs: RunStore,
    onDidSaveAnnotations?: (listener: (runDir: string) => void) => { dispose(): void },
  ) {
    this.subscriptions = [runs.onDidChangeList.event(() => this.changed.fire(undefined))];
    if (onDidSaveAnnotations) this.subscriptions.push(onDidSaveAnnotations(() => this.changed.fire(undefined)));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.runs.list().map((run) => ({ kind: 'run', run }));
    const run = node.run;
    if (node.kind === 'checkpoints') return run.checkpoints.map((checkpoint) => ({ kind: 'checkpoint', run, checkpoint }));
    if (node.kind !== 'run') return [];
    const children: RunsNode[] = [];
    if (run.checkpoints.length) children.push({ kind: 'checkpoints', run });
    const file = (
      label: string,
      name: string,
      icon: string,
      more: Pick<Extract<RunsNode, { kind: 'file' }>, 'contextValue' | 'description' | 'tooltip'> = {},
    ) => {
      const path = isAbsolute(name) ? name : join(run.dir, name);
      if (existsSync(path)) children.push({ kind: 'file', run, label, path, icon, ...more });
    };
    const counts = labelCounts(run.dir);
    file('Transcripts', RUN_FILES.transcripts, 'comment-discussion', {
      contextValue: 'runFile.transcripts',
      description: labelCountsText(counts),
      tooltip: counts.byLabel.length ? counts.byLabel.map((l) => `${l.label}: ${l.count}`).join('\n') : undefined,
    });
    file('Summary', RUN_FILES.summary, 'graph');
    file('Config', RUN_FILES.config, 'settings-gear');
    file('Events', RUN_FILES.events, 'list-flat');
    file('Engine log', jobFilesOf(run.dir).log, 'output');
    return children;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run': {
        const { run } = node;
        const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${run.dir}`;
        item.description = `${run.state.status} · ${progressText(run.state)}`;
        item.tooltip = new vscode.MarkdownString(
          `**${run.name}** — ${run.state.status}\n\n${progressText(run.state)}\n\n\`${run.dir}\`${run.state.message ? `\n\n${run.state.message}` : ''}`,
        );
        item.iconPath = STATUS_ICONS[run.state.status];
        item.contextValue = `run.${run.state.status}${isResumable(run) ? '.resumable' : ''}`;
        item.resourceUri = vscode.Uri.file(run.dir);
        item.command = { command: CommandId.OpenDashboard, title: 'Open Run Dashboard', arguments: [node] };
        return item;
      }
      case 'checkpoints': {
        const item = new vscode.TreeItem(
          `Checkpoints (${node.run.checkpoints.length})`,
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `checkpoints:${node.run.dir}`;
        item.iconPath = new vscode.ThemeIcon('archive');
        return item;
      }
      case 'checkpoint': {
        const item = new vscode.TreeItem(`step ${node.checkpoint.step}`, vscode.TreeItemCollapsibleState.None);
        item.id = `checkpoint:${node.checkpoint.dir}`;
        item.description = node.checkpoint.name;
        item.iconPath = new vscode.ThemeIcon('save');
        item.contextValue = 'checkpoint';
        item.resourceUri = vscode.Uri.file(node.checkpoint.dir);
        item.tooltip = node.checkpoint.dir;
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `file:${node.path}`;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = node.contextValue ?? 'runFile';
        item.resourceUri = vscode.Uri.file(node.path);
        item.description = node.description;
        item.tooltip = node.tooltip ? `${node.path}\n\n${node.tooltip}` : node.path;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        return item;
      }
    }
  }
}
