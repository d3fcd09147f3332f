// The editable half of a transcripts editor's document: the run's annotation set (annotations.jsonl
// beside transcripts.jsonl). Every change is one edit, replacing the record of one annotationKey by
// another or by nothing, with its own undo and redo, reported through onDidEdit so that VS Code keeps
// the undo stack, the dirty marker and hot exit. Saving goes through the engine's store (merge with
// what is on disk under the lock the CLI takes too, atomic rename); when the file changes on disk,
// unsaved edits are rebased onto it, so the editor shows other writers' labels without losing its
// own. Node fs only, no vscode.
import { join } from 'node:path';
import {
  type Annotation,
  annotationKey,
  type AnnotationsFile,
  type BrokenLine,
  type DiscussionRef,
  isAnnotation,
  mergeAnnotations,
  serializeAnnotations,
} from '../../protocol/annotations';
import type { ReadProblem } from '../../protocol/transcriptsEditor';
import { ANNOTATIONS_FILE, readAnnotationsFile, saveAnnotations } from '../../engine/annotations/store';
import { Emitter } from '../util/emitter';
import { fileStamp } from '../runData/annotationFile';

/** One change of the annotation set, as VS Code's CustomDocumentEditEvent wants it. */
export interface AnnotationEdit {
  label: string;
  undo(): void;
  redo(): void;
}

/** A target inside a discussion: the whole discussion, or one response. */
export interface TargetWithin {
  turn?: number;
  agent?: number;
}

interface Backup {
  version: 1;
  base: Annotation[];
  annotations: Annotation[];
  broken: BrokenLine[];
}

const byKey = (list: readonly Annotation[]) => new Map(list.map((a) => [annotationKey(a), a]));

export class AnnotationModel {
  /** A user edit (not undo, redo, save or a reload). */
  readonly onDidEdit = new Emitter<AnnotationEdit>();
  /** The annotation set changed, for whatever reason: views redraw. */
  readonly onDidChange = new Emitter<void>();
  private current = new Map<string, Annotation>();
  /** What the file held when last read or written: the base of the three-way merge. */
  private base: Annotation[] = [];
  private broken: BrokenLine[] = [];
  /** fileStamp of annotations.jsonl when last read or written by this model. */
  private stamp = 'none';

  readonly annotationsPath: string;

  private constructor(
    readonly runDir: string,
    private readonly now: () => string,
  ) {
    this.annotationsPath = join(runDir, ANNOTATIONS_FILE);
  }

  /** The set as saved in the run's annotations.jsonl (empty when there is no file yet). */
  static load(runDir: string, now: () => string = () => new Date().toISOString()): AnnotationModel {
    const m = new AnnotationModel(runDir, now);
    m.reload();
    return m;
  }

  /** An empty set that reads nothing (a document that may not be shown). */
  static unread(runDir: string): AnnotationModel {
    return new AnnotationModel(runDir, () => new Date().toISOString());
  }

  /**
   * The set of a hot-exit backup (backup()): unsaved edits come back, rebased onto the file as it is
   * now. A backup that cannot be read gives the saved set.
   */
  static restore(runDir: string, backupText: string, now: () => string = () => new Date().toISOString()): AnnotationModel {
    const m = AnnotationModel.load(runDir, now);
    let b: Partial<Backup>;
    try {
      b = JSON.parse(backupText) as Partial<Backup>;
    } catch {
      return m;
    }
    if (b.version !== 1 || !Array.isArray(b.base) || !Array.isArray(b.annotations)) return m;
    const backedUp = { annotations: b.annotations.filter(isAnnotation), broken: Array.isArray(b.broken) ? b.broken : [] };
    const onDisk = { annotations: m.annotations(), broken: m.broken };
    const merged = mergeAnnotations(b.base.filter(isAnnotation), backedUp, onDisk);
    m.current = byKey(merged.annotations);
    m.broken = merged.broken;
    return m;
  }

  annotations(): Annotation[] {
    return [...this.current.values()];
  }

  /** The lines of annotations.jsonl that are not records: reported, and written back on save. */
  problems(): ReadProblem[] {
    return this.broken.map((b) => ({ file: 'annotations', line: b.line, problem: b.problem }));
  }

  /** Adds `annotator`'s label to the target, or removes it when there. */
  toggleLabel(d: DiscussionRef, at: TargetWithin, label: string, annotator: string): void {
    const record = this.record(d, at, annotator, { label });
    const key = annotationKey(record);
    const before = this.current.get(key);
    if (before) this.edit(`Remove label "${label}"`, key, before, undefined);
    else this.edit(`Add label "${label}"`, key, undefined, record);
  }

  /** Sets `annotator`'s note on the target; an empty note removes it. */
  setNote(d: DiscussionRef, at: TargetWithin, note: string, annotator: string): void {
    const text = note.trim();
    const record = this.record(d, at, annotator, { note: text });
    const key = annotationKey(record);
    const before = this.current.get(key);
    if ((before?.note ?? '') === text) return;
    this.edit(text ? 'Edit note' : 'Remove note', key, before, text ? record : undefined);
  }

  /** Merges the set into the file as it is now and writes it atomically. */
  async save(): Promise<void> {
    const saved = saveAnnotations(this.runDir, this.base, this.snapshot());
    this.base = saved.annotations;
    this.current = byKey(saved.annotations);
    this.broken = saved.broken;
    // Not the file's stamp now: another writer may have saved since the lock was released. The next
    // syncWithDisk re-reads the file once (a no-op merge when nobody did).
    this.stamp = '';
    this.onDidChange.fire();
  }

  /** The text Save As writes elsewhere: the set merged with this run's file (which is left alone). */
  mergedText(): string {
    return serializeAnnotations(mergeAnnotations(this.base, this.snapshot(), readAnnotationsFile(this.runDir)));
  }

  /** Whether `annotator` has this label on the target. */
  hasLabel(d: DiscussionRef, at: TargetWithin, label: string, annotator: string): boolean {
    return this.current.has(annotationKey(this.record(d, at, annotator, { label })));
  }

  /** Drops unsaved edits: the set becomes what the file holds. */
  revert(): void {
    this.reload();
    this.onDidChange.fire();
  }

  /** Hot exit: everything needed to bring the unsaved set back (restore()). */
  backup(): string {
    const b: Backup = { version: 1, base: this.base, annotations: this.annotations(), broken: this.broken };
    return JSON.stringify(b);
  }

  /**
   * Picks up another writer's save: when the file changed since this model last read or wrote it, the
   * unsaved edits are rebased onto it. Returns whether the file had changed.
   */
  syncWithDisk(): boolean {
    const stamp = fileStamp(this.annotationsPath);
    if (stamp === this.stamp) return false;
    const theirs = readAnnotationsFile(this.runDir);
    const merged = mergeAnnotations(this.base, this.snapshot(), theirs);
    this.base = theirs.annotations;
    this.current = byKey(merged.annotations);
    this.broken = merged.broken;
    this.stamp = stamp;
    this.onDidChange.fire();
    return true;
  }

  dispose(): void {
    this.onDidEdit.dispose();
    this.onDidChange.dispose();
  }

  private snapshot(): AnnotationsFile {
    return { annotations: this.annotations(), broken: this.broken };
  }

  private reload(): void {
    const stamp = fileStamp(this.annotationsPath);
    const file = readAnnotationsFile(this.runDir);
    this.base = file.annotations;
    this.current = byKey(file.annotations);
    this.broken = file.broken;
    this.stamp = stamp;
  }

  private record(d: DiscussionRef, at: TargetWithin, annotator: string, what: { label?: string; note?: string }): Annotation {
    return {
      transcript: d.id,
      step: d.step,
      split: d.split,
      ...(d.sample ? { sample: d.sample } : {}),
      ...(at.turn !== undefined ? { turn: at.turn } : {}),
      ...(at.turn !== undefined && at.agent !== undefined ? { agent: at.agent } : {}),
      ...what,
      annotator,
      time: this.now(),
    };
  }

  private edit(label: string, key: string, before: Annotation | undefined, after: Annotation | undefined): void {
    const set = (value: Annotation | undefined) => {
      if (value) this.current.set(key, value);
      else this.current.delete(key);
      this.onDidChange.fire();
    };
    set(after);
    this.onDidEdit.fire({ label, undo: () => set(before), redo: () => set(after) });
  }
}
