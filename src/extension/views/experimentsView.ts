// The Experiments view: the workspace's `*.maporl.json` configs, kept fresh by a file watcher. Clicking
// one opens it; its inline action starts training (context value `experiment`).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_GLOB, CONFIG_EXCLUDE_GLOB } from '../experiments';

export class ExperimentsView implements vscode.TreeDataProvider<vscode.Uri>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB);
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    const refresh = () => this.changed.fire();
    this.subscriptions = [
      this.watcher.onDidCreate(refresh),
      this.watcher.onDidDelete(refresh),
      vscode.workspace.onDidChangeWorkspaceFolders(refresh),
    ];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.watcher.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: vscode.Uri): Promise<vscode.Uri[]> {
    if (node) return [];
    const files = await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB);
    return files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  getTreeItem(uri: vscode.Uri): vscode.TreeItem {
    const item = new vscode.TreeItem(basename(uri.fsPath).replace(/\.maporl\.json$/, ''), vscode.TreeItemCollapsibleState.None);
    item.id = `experiment:${uri.toString()}`;
    item.resourceUri = uri;
    item.description = vscode.workspace.asRelativePath(uri, false);
    item.iconPath = new vscode.ThemeIcon('beaker');
    item.contextValue = 'experiment';
    item.tooltip = uri.fsPath;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    return item;
  }
}
