// The transcripts editor: a custom editor of a run's transcripts.jsonl (contributes.customEditors) that
// shows its discussions and edits the run's annotations.jsonl. VS Code owns the edit stack: every label
// or note change is a CustomDocumentEditEvent, so undo, redo, the dirty marker, save, revert and hot
// exit behave as in any editor. Only files inside the workspace and runs folders are read; messages
// from the page are validated (protocol/transcriptsEditor.ts) and checked against the index before
// anything changes.
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  describeTarget,
  isTranscriptsToHost,
  type HostToTranscripts,
  type TranscriptsToHost,
} from '../../protocol/transcriptsEditor';
import { describeMessage } from '../../protocol/check';
import { TRANSCRIPTS_VIEW_TYPE } from '../commandIds';
import { RUN_FILES } from '../runData/runDirectory';
import { guardFile } from '../security/pathGuard';
import type { AnnotationSettings } from '../settings';
import { agreementOf } from './agreement';
import { TranscriptsDocument, type Appended } from './transcriptsDocument';
import { transcriptsHtml } from './transcriptsHtml';
import { pageFiles } from '../webview/panelRegistry';

const POLL_MS = 500;

export interface TranscriptsEditorDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** Folders whose files the editor may read: the workspace folders and the runs folders. */
  allowedRoots(): string[];
  annotation(): AnnotationSettings;
  /** This window saved a run's annotations: label counts elsewhere are stale. */
  onDidSave(runDir: string): void;
}

export class TranscriptsEditorProvider implements vscode.CustomEditorProvider<TranscriptsDocument>, vscode.Disposable {
  private readonly edits = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<TranscriptsDocument>>();
  readonly onDidChangeCustomDocument = this.edits.event;
  private readonly panels = new Set<TranscriptsPanel>();
  /** Discussions to select once the editor of a file (by path) has loaded. */
  private readonly pendingReveal = new Map<string, string>();

  constructor(private readonly deps: TranscriptsEditorDeps) {}

  async openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<TranscriptsDocument> {
    const error = this.refusal(uri);
    let backup: string | undefined;
    if (!error && context.backupId) {
      try {
        backup = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(context.backupId)));
      } catch (e) {
        this.deps.log.warn(
          `transcripts editor: hot-exit backup of ${uri.fsPath} unreadable (${(e as Error).message}); the saved labels are shown`,
        );
      }
    }
    const doc = new TranscriptsDocument(uri, error, {
      pollMs: POLL_MS,
      backup,
      log: (m) => this.deps.log.warn(`transcripts editor: ${m}`),
    });
    doc.model.onDidEdit.event((e) => this.edits.fire({ document: doc, ...e }));
    for (const p of doc.index.problems) this.deps.log.warn(`${uri.fsPath}:${p.line}: ${p.problem} (discussion skipped)`);
    for (const p of doc.model.problems())
      this.deps.log.warn(`${doc.model.annotationsPath}:${p.line}: ${p.problem} (line kept as it is)`);
    return doc;
  }

  resolveCustomEditor(doc: TranscriptsDocument, panel: vscode.WebviewPanel): void {
    const root = this.deps.extensionUri;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview')] };
    const view = new TranscriptsPanel(panel, doc, this.deps, () => this.takeReveal(doc));
    this.panels.add(view);
    panel.onDidDispose(() => {
      view.dispose();
      this.panels.delete(view);
    });
  }

  async saveCustomDocument(doc: TranscriptsDocument): Promise<void> {
    if (!doc.editable) return;
    await doc.model.save();
    this.deps.onDidSave(doc.runDir);
  }

  async saveCustomDocumentAs(doc: TranscriptsDocument, destination: vscode.Uri): Promise<void> {
    await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(doc.model.mergedText()));
  }

  async revertCustomDocument(doc: TranscriptsDocument): Promise<void> {
    if (doc.editable) doc.model.revert();
  }

  async backupCustomDocument(
    doc: TranscriptsDocument,
    context: vscode.CustomDocumentBackupContext,
  ): Promise<vscode.CustomDocumentBackup> {
    await vscode.workspace.fs.writeFile(context.destination, new TextEncoder().encode(doc.model.backup()));
    return {
      id: context.destination.toString(),
      delete: () => void vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined),
    };
  }

  /** Opens the transcripts of a run, selecting one discussion (a discussionKey) when given. */
  async open(runDir: string, key?: string): Promise<void> {
    const uri = vscode.Uri.file(join(runDir, RUN_FILES.transcripts));
    const open = [...this.panels].find((p) => p.doc.uri.fsPath === uri.fsPath);
    if (open && key) open.reveal(key);
    else if (key) this.pendingReveal.set(uri.fsPath, key);
    await vscode.commands.executeCommand('vscode.openWith', uri, TRANSCRIPTS_VIEW_TYPE);
  }

  /** The label set or the annotator changed in the settings. */
  settingsChanged(): void {
    for (const p of this.panels) p.sendConfig();
  }

  dispose(): void {
    this.edits.dispose();
  }

  private takeReveal(doc: TranscriptsDocument): string | undefined {
    const key = this.pendingReveal.get(doc.uri.fsPath);
    this.pendingReveal.delete(doc.uri.fsPath);
    return key;
  }

  /** Why a file may not be shown, or null. */
  private refusal(uri: vscode.Uri): string | null {
    if (uri.scheme !== 'file') return `${uri.toString()}: only files on this machine can be annotated`;
    const checked = guardFile(uri.fsPath, this.deps.allowedRoots(), []);
    return checked.ok ? null : `cannot open ${checked.reason}`;
  }
}

/** How often discussions read in the background are sent to the page (batched in between). */
const ENTRIES_MS = 150;
const FOLLOW_AFTER_MS = 1000;

/** One editor's page and its document. */
class TranscriptsPanel {
  private readonly subscriptions: { dispose(): void }[] = [];
  private annotationsQueued = false;
  /** The page has asked for its first view; before that, appended entries go with the init message. */
  private ready = false;
  private pending: Appended | null = null;
  private entriesTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly doc: TranscriptsDocument,
    private readonly deps: TranscriptsEditorDeps,
    private readonly takeReveal: () => string | undefined,
  ) {
    const webview = panel.webview;
    webview.html = transcriptsHtml({ ...pageFiles(webview, deps.extensionUri, 'transcripts'), title: 'Transcripts' });
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      doc.onDidAppend.event((a) => this.appended(a)),
      doc.model.onDidChange.event(() => this.queueAnnotations()),
    );
  }

  dispose(): void {
    if (this.entriesTimer) clearTimeout(this.entriesTimer);
    for (const s of this.subscriptions) s.dispose();
  }

  private appended(a: Appended): void {
    if (!this.ready) return; // the init message will carry them
    if (a.restarted) {
      this.pending = null;
      this.sendInit();
      return;
    }
    this.pending = this.pending
      ? {
          entries: [...this.pending.entries, ...a.entries],
          problems: [...this.pending.problems, ...a.problems],
          restarted: false,
          complete: a.complete,
        }
      : a;
    this.entriesTimer ??= setTimeout(() => {
      this.entriesTimer = undefined;
      const p = this.pending;
      this.pending = null;
      if (p) this.post({ type: 'entries', entries: p.entries, problems: p.problems, complete: p.complete });
    }, ENTRIES_MS);
  }

  reveal(key: string): void {
    this.panel.reveal(undefined, false);
    this.post({ type: 'reveal', key });
  }

  sendConfig(): void {
    const { labels, annotator } = this.deps.annotation();
    this.post({ type: 'config', labels, annotator });
    this.queueAnnotations(); // agreement is per label
  }

  private post(message: HostToTranscripts): void {
    void this.panel.webview.postMessage(message);
  }

  private sendInit(): void {
    const { labels, annotator } = this.deps.annotation();
    const annotations = this.doc.model.annotations();
    this.post({
      type: 'init',
      file: this.doc.uri.fsPath,
      labels,
      annotator,
      entries: this.doc.index.entries,
      annotations,
      problems: [...this.doc.index.problems, ...this.doc.model.problems()],
      agreement: agreementOf(annotations, labels),
      error: this.doc.error,
      complete: this.doc.isComplete,
    });
  }

  /** One message for the changes of one tick (an undo of several edits, a merge). */
  private queueAnnotations(): void {
    if (this.annotationsQueued) return;
    this.annotationsQueued = true;
    setTimeout(() => {
      this.annotationsQueued = false;
      const annotations = this.doc.model.annotations();
      this.post({
        type: 'annotations',
        annotations,
        problems: this.doc.model.problems(),
        agreement: agreementOf(annotations, this.deps.annotation().labels),
      });
    }, 0);
  }

  private receive(message: unknown): void {
    if (!isTranscriptsToHost(message)) {
      this.deps.log.warn(`transcripts editor: dropped a malformed ${describeMessage(message)}`);
      return;
    }
    try {
      this.handle(message);
    } catch (e) {
      this.deps.log.error(`transcripts editor: ${message.type} failed: ${(e as Error).message}`);
    }
  }

  private handle(message: TranscriptsToHost): void {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.pending = null;
        this.sendInit();
        // Index the rest once the first view is fetched, or soon anyway (an empty or filtered-out view fetches nothing).
        setTimeout(() => this.doc.follow(), FOLLOW_AFTER_MS);
        const key = this.takeReveal();
        if (key) this.post({ type: 'reveal', key });
        return;
      }
      case 'fetch':
        if (!this.doc.error) this.post({ type: 'records', records: this.doc.index.records(message.keys) });
        this.doc.follow(); // the first view is drawn: index the rest
        return;
      case 'toggleLabel':
      case 'setNote': {
        const { target } = message;
        const d = this.doc.index.summary(target.key);
        const at = { turn: target.turn, agent: target.agent };
        const inRange = d && (at.turn === undefined || (at.turn < d.turns && (at.agent === undefined || at.agent < d.agents)));
        if (!this.doc.editable || !d || !inRange) {
          this.deps.log.warn(
            `transcripts editor: dropped a ${message.type} on ${describeTarget(target)} (no such discussion or response)`,
          );
          return;
        }
        const { labels, annotator } = this.deps.annotation();
        if (message.type === 'setNote') {
          this.doc.model.setNote(d, at, message.note, annotator);
        } else if (labels.includes(message.label) || this.doc.model.hasLabel(d, at, message.label, annotator)) {
          // A label no longer in the set may still be removed, never added.
          this.doc.model.toggleLabel(d, at, message.label, annotator);
        } else {
          this.deps.log.warn(
            `transcripts editor: dropped label ${JSON.stringify(message.label.slice(0, 40))}: not in maporl.annotation.labels`,
          );
        }
      }
    }
  }
}
