// The open webview panels of one kind (dashboards by run, comparisons by sides, sweep reports by
// sweep), written once: at most one panel per key, revealed when asked again; the webview options
// every panel shares (scripts on, resources from dist/webview/ only, no page kept across hides);
// panels restored by a WebviewPanelSerializer join the same map.
import * as vscode from 'vscode';

/** What a registry keeps per panel: the panel and what to release when it closes. */
export interface OpenPanel {
  readonly panel: vscode.WebviewPanel;
  dispose(): void;
}

/** The options of every panel: its page's files are the only resources it may load. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

/** A built page's files as its webview loads them (dist/webview/PAGE.js and PAGE.css) and the CSP source they come from. */
export function pageFiles(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: string,
): { cspSource: string; scriptUri: string; styleUri: string } {
  const uri = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  return { cspSource: webview.cspSource, scriptUri: uri(`${page}.js`), styleUri: uri(`${page}.css`) };
}

export class PanelRegistry<P extends OpenPanel> implements vscode.Disposable {
  private readonly panels = new Map<string, P>();

  constructor(
    private readonly viewType: string,
    private readonly extensionUri: vscode.Uri,
  ) {}

  get(key: string): P | undefined {
    return this.panels.get(key);
  }

  /**
   * The panel of `key`, revealed; else a new one made by `make` in `column` (beside the editor unless
   * told). `created` says which.
   */
  open(
    key: string,
    title: string,
    make: (panel: vscode.WebviewPanel, key: string) => P,
    column: vscode.ViewColumn = vscode.ViewColumn.Beside,
  ): { item: P; created: boolean } {
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return { item: existing, created: false };
    }
    const panel = vscode.window.createWebviewPanel(
      this.viewType,
      title,
      { viewColumn: column, preserveFocus: false },
      panelOptions(this.extensionUri),
    );
    return { item: this.adopt(panel, key, make), created: true };
  }

  /** A panel the serializer brought back after a restart: kept under `key` unless that one is open (then closed). */
  restore(panel: vscode.WebviewPanel, key: string | null, make: (panel: vscode.WebviewPanel, key: string) => P): P | undefined {
    if (key === null || this.panels.has(key)) {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = panelOptions(this.extensionUri);
    return this.adopt(panel, key, make);
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }

  private adopt(panel: vscode.WebviewPanel, key: string, make: (panel: vscode.WebviewPanel, key: string) => P): P {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'maporl.svg');
    const item = make(panel, key);
    this.panels.set(key, item);
    panel.onDidDispose(() => {
      item.dispose();
      this.panels.delete(key);
    });
    return item;
  }
}
