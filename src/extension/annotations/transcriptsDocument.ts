// The document of a transcripts editor: a run's transcripts.jsonl (read-only, indexed in steps so a
// large file shows at once, then followed while a live run appends) and its annotation set (the
// editable part, AnnotationModel). It also notices another writer's save of annotations.jsonl.
// vscode appears only as a type (CustomDocument), so the class runs under node:test.
import { dirname } from 'node:path';
import type * as vscode from 'vscode';
import type { DiscussionSummary, ReadProblem } from '../../protocol/transcriptsEditor';
import { Emitter } from '../util/emitter';
import { AnnotationModel } from './annotationModel';
import { TranscriptIndex } from './transcriptIndex';

/** Bytes indexed before the editor first shows. */
export const FIRST_READ_BYTES = 2 << 20;
/** Bytes indexed per step afterwards: small, so the page's messages are answered in between. */
export const STEP_BYTES = 1 << 20;

export interface Appended {
  entries: DiscussionSummary[];
  problems: ReadProblem[];
  /** The file was rewritten: the index started over and views must reload it. */
  restarted: boolean;
  /** The whole file is indexed. */
  complete: boolean;
}

export interface DocumentOptions {
  /** How often the files are checked for growth and other writers' saves. */
  pollMs: number;
  now?: () => string;
  /** A hot-exit backup to restore the annotation set from. */
  backup?: string;
  log?: (message: string) => void;
}

export class TranscriptsDocument implements vscode.CustomDocument {
  readonly onDidAppend = new Emitter<Appended>();
  readonly index: TranscriptIndex;
  readonly model: AnnotationModel;
  readonly runDir: string;
  private complete = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** `error`: why the file may not be shown; such a document has an empty index and refuses edits. */
  constructor(
    readonly uri: vscode.Uri,
    readonly error: string | null,
    private readonly options: DocumentOptions,
  ) {
    const path = uri.fsPath;
    this.runDir = dirname(path);
    this.index = new TranscriptIndex(path);
    if (error) {
      this.model = AnnotationModel.unread(this.runDir);
      this.complete = true;
      return;
    }
    this.model =
      options.backup !== undefined
        ? AnnotationModel.restore(this.runDir, options.backup, options.now)
        : AnnotationModel.load(this.runDir, options.now);
    this.complete = this.index.read(FIRST_READ_BYTES).done;
  }

  /**
   * Starts indexing the rest and following the files. The editor calls it once its page has what it
   * shows first, so that the first view of a large file does not wait behind the whole file.
   */
  follow(): void {
    if (this.timer || this.disposed || this.error) return;
    this.schedule(this.complete ? this.options.pollMs : 0);
  }

  get isComplete(): boolean {
    return this.complete;
  }
  get editable(): boolean {
    return this.error === null;
  }

  /** One step: the next part of a large file, or what was appended since; another writer's save. */
  tick(): void {
    if (this.error) return;
    const chunk = this.index.read(STEP_BYTES);
    const wasComplete = this.complete;
    this.complete = chunk.done;
    if (chunk.entries.length || chunk.problems.length || chunk.restarted || this.complete !== wasComplete) {
      this.onDidAppend.fire({
        entries: chunk.entries,
        problems: chunk.problems,
        restarted: chunk.restarted,
        complete: this.complete,
      });
    }
    if (this.complete) this.model.syncWithDisk();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.onDidAppend.dispose();
    this.model.dispose();
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    this.timer = setTimeout(() => {
      try {
        this.tick();
      } catch (e) {
        this.options.log?.(`${this.uri.fsPath}: ${(e as Error).message}`);
      }
      // Indexing goes on at once (yielding between steps); following a finished file, every pollMs.
      this.schedule(this.complete ? this.options.pollMs : 0);
    }, ms);
    this.timer.unref?.();
  }
}
