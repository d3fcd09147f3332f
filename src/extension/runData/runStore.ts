// All runs this window knows about: the run directories of the runs folder(s) (listed cheaply, re-read
// when their files change) and full models of the runs someone looks at (a dashboard) or this window
// trains. A single poll timer follows them from their files, which is what makes runs of another window,
// of the CLI, or of this window before a reload appear and move. Node only, no vscode.
import { resolve } from 'node:path';
import { Emitter } from '../util/emitter';
import { listRunDirectories, readRunListing, runListingKey, type RunListing } from './runDirectory';
import { RunModel, emptyDelta, type RunDelta } from './runModel';

export interface RunStoreOptions {
  /** Absolute folders whose subfolders are run directories (re-evaluated on each listing). */
  runsFolders: () => string[];
  totalStepsOf: (config: Record<string, unknown> | null) => number | null;
  log: (message: string) => void;
}

export interface RunUpdate {
  dir: string;
  model: RunModel;
  delta: RunDelta;
}

export class RunStore {
  readonly onDidChangeList = new Emitter<void>();
  readonly onDidUpdateRun = new Emitter<RunUpdate>();
  private listings = new Map<string, RunListing>();
  private models = new Map<string, { model: RunModel; users: number }>();
  /** Keeps the models of runs trained by this window alive until their job ends. */
  private ipcHandles = new Map<string, { dispose(): void }>();
  private timer: NodeJS.Timeout | undefined;
  private polls = 0;

  constructor(private readonly options: RunStoreOptions) {}

  /** Starts following: files are polled every `pollMs`, the run list every fourth poll. */
  start(pollMs: number): void {
    this.stop();
    this.refreshList();
    this.timer = setInterval(() => this.poll(), Math.max(100, pollMs));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
    this.onDidChangeList.dispose();
    this.onDidUpdateRun.dispose();
  }

  /** Runs, newest first; a run with a model shows the model's (fresher) state. */
  list(): RunListing[] {
    return [...this.listings.values()].map((l) => {
      const m = this.models.get(l.dir);
      return m ? { ...l, state: m.model.state } : l;
    });
  }

  get(dir: string): RunListing | undefined {
    return this.list().find((l) => l.dir === resolve(dir));
  }

  /** Re-reads the list of runs; fires onDidChangeList when anything a view shows changed. */
  refreshList(): void {
    const dirs = this.options.runsFolders().flatMap(listRunDirectories);
    const next = new Map<string, RunListing>();
    let changed = dirs.length !== this.listings.size;
    for (const dir of dirs) {
      const old = this.listings.get(dir);
      const key = runListingKey(dir);
      // A running run is re-read even unchanged: its engine may have died without a word.
      if (old && old.eventsKey === key && old.state.status !== 'running') {
        next.set(dir, old);
      } else {
        const fresh = readRunListing(dir, this.options.totalStepsOf);
        next.set(dir, fresh);
        changed ||= !old || old.eventsKey !== fresh.eventsKey || old.state.status !== fresh.state.status;
      }
    }
    // Keep runs that are modelled (trained here) even before their folder shows up in the listing.
    for (const [dir, m] of this.models) {
      if (!next.has(dir) && m.model.source === 'ipc')
        next.set(dir, this.listings.get(dir) ?? readRunListing(dir, this.options.totalStepsOf));
    }
    this.listings = next;
    if (changed) this.onDidChangeList.fire();
  }

  /** The full model of a run, loaded from its files on first use; dispose the handle when done. */
  acquire(dir: string): { model: RunModel; dispose(): void } {
    const key = resolve(dir);
    let entry = this.models.get(key);
    if (!entry) {
      entry = { model: new RunModel(key, this.options.totalStepsOf), users: 0 };
      this.models.set(key, entry);
      this.report(key, entry.model.readFiles());
    }
    entry.users++;
    const held = entry;
    let disposed = false;
    return {
      model: entry.model,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        held.users--;
        if (held.users <= 0 && held.model.source === 'files') this.models.delete(key);
      },
    };
  }

  /**
   * A job of this window writes this run: from now on its model is fed by ipcEvent/ipcTranscript.
   * Whatever the files hold already (a resumed run) is read first, synchronously, before the job starts.
   */
  beginIpc(dir: string): RunModel {
    const handle = this.acquire(dir); // read existing files, keep the model alive while the job runs
    handle.model.source = 'ipc';
    this.ipcHandles.set(handle.model.dir, handle);
    this.refreshList();
    return handle.model;
  }

  ipcEvent(dir: string, event: unknown): void {
    this.ipcApply(dir, (m, d) => m.applyEvent(event, d));
  }
  ipcTranscript(dir: string, record: unknown): void {
    this.ipcApply(dir, (m, d) => m.applyTranscript(record, d));
  }

  /** The job ended: re-read the run from its files (the complete record) and follow them again. */
  endIpc(dir: string): void {
    const key = resolve(dir);
    const entry = this.models.get(key);
    if (entry) {
      entry.model.source = 'files';
      entry.model.reset();
      this.report(key, { ...entry.model.readFiles(), restarted: true });
    }
    this.ipcHandles.get(key)?.dispose();
    this.ipcHandles.delete(key);
    this.listings.delete(key); // forces a fresh listing
    this.refreshList();
  }

  private ipcApply(dir: string, apply: (m: RunModel, d: RunDelta) => void): void {
    const entry = this.models.get(resolve(dir));
    if (!entry || entry.model.source !== 'ipc') return;
    const delta = emptyDelta();
    apply(entry.model, delta);
    this.report(entry.model.dir, delta);
  }

  /** One tick: new lines of every file-followed model, and every fourth tick the run list. */
  poll(): void {
    for (const [dir, entry] of this.models) {
      if (entry.model.source !== 'files') continue;
      this.report(dir, entry.model.readFiles());
    }
    if (this.polls++ % 4 === 0) this.refreshList();
  }

  private report(dir: string, delta: RunDelta): void {
    for (const p of delta.problems) this.options.log(p);
    if (delta.events || delta.transcripts.length || delta.restarted) {
      const entry = this.models.get(dir);
      if (entry) this.onDidUpdateRun.fire({ dir, model: entry.model, delta });
    }
  }
}
