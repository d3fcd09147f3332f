// The run directory (design.md, "Run directory"): append-only events.jsonl and transcripts.jsonl,
// the resolved config.json, summary.json at the end. Every event and transcript is also sent to
// the parent process when there is one (the VS Code extension forks the engine with IPC).
// Each checkpoint records where the two logs ended (`LogMarks`), so that a resume cuts them back to
// exactly that moment, whatever instant the interrupted process died at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendJsonl, removeStaleTemps, writeJsonAtomic, writeFileAtomic } from '../io/atomic';
import type { RunEvent, RunSummary, TranscriptRecord } from '../../protocol/runRecords';

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = Without<RunEvent, 'time'>;

/** Byte lengths of events.jsonl and transcripts.jsonl at one moment (a checkpoint's). */
export interface LogMarks {
  events: number;
  transcripts: number;
}

export class RunDir {
  readonly events: string;
  readonly transcripts: string;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.events = path.join(dir, 'events.jsonl');
    this.transcripts = path.join(dir, 'transcripts.jsonl');
  }

  get checkpoints(): string { return path.join(this.dir, 'checkpoints'); }

  writeConfig(config: unknown): void {
    writeJsonAtomic(path.join(this.dir, 'config.json'), config);
  }

  event(e: NewEvent): void {
    const full = { ...e, time: new Date().toISOString() } as RunEvent;
    appendJsonl(this.events, full);
    sendToParent({ kind: 'event', event: full });
  }

  log(step: number, message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.event({ type: 'log', step, level, message });
  }

  transcript(r: TranscriptRecord): void {
    appendJsonl(this.transcripts, r);
    sendToParent({ kind: 'transcript', record: r });
  }

  writeSummary(s: RunSummary): void {
    writeJsonAtomic(path.join(this.dir, 'summary.json'), s);
  }

  /** Where the logs end now; saved in each checkpoint for `truncateAfter`. */
  marks(): LogMarks {
    return { events: sizeOf(this.events), transcripts: sizeOf(this.transcripts) };
  }

  /**
   * On resume from the checkpoint of iteration `step`, written when the logs ended at `marks`: cuts
   * transcripts.jsonl back to its mark and events.jsonl to its mark plus, of the lines after it,
   * the checkpoint's own event and the history of the processes (status and log lines up to `step`;
   * not 'finished', which the resumed run reaches again). Everything else after the mark is about to
   * be produced again, identically for the same seed. Checkpoints older than marks are cut by step.
   * Also removes leftover temporary checkpoint directories and the interrupted run's summary.
   * Returns whether events.jsonl holds the checkpoint's own event (a process killed between the
   * checkpoint and its event left none).
   */
  truncateAfter(step: number, marks?: LogMarks): boolean {
    let logged = false;
    const isOwnEvent = (e: Line) => e.type === 'checkpoint' && e.step === step;
    if (marks) {
      cutTo(this.transcripts, marks.transcripts, () => false);
      cutTo(this.events, marks.events, (e) => {
        if (isOwnEvent(e)) return (logged = true);
        return (e.type === 'log' || (e.type === 'status' && e.status !== 'finished')) && (e.step ?? 0) <= step;
      });
    } else {
      cutTo(this.transcripts, 0, (e) => (e.step ?? 0) <= step);
      cutTo(this.events, 0, (e) => {
        logged ||= isOwnEvent(e);
        return (e.step ?? 0) <= step;
      });
    }
    if (fs.existsSync(this.checkpoints)) removeStaleTemps(this.checkpoints);
    fs.rmSync(path.join(this.dir, 'summary.json'), { force: true });
    return logged;
  }

  /** On a resume with no checkpoint to resume from: empties both logs and removes the summary, as before the first record. */
  discardRecords(): void {
    for (const file of [this.events, this.transcripts]) if (fs.existsSync(file)) writeFileAtomic(file, '');
    if (fs.existsSync(this.checkpoints)) removeStaleTemps(this.checkpoints);
    fs.rmSync(path.join(this.dir, 'summary.json'), { force: true });
  }
}

/** The summary of a run that has finished, or null. */
export function finishedSummary(dir: string): RunSummary | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    return s.status === 'finished' ? s : null;
  } catch {
    return null;
  }
}

const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

type Line = { type?: string; step?: number; status?: string };

/** Keeps the first `mark` bytes of a JSONL file as they are and, of the lines after them, those `keep` accepts. */
function cutTo(file: string, mark: number, keep: (line: Line) => boolean): void {
  if (!fs.existsSync(file)) return;
  const bytes = fs.readFileSync(file);
  if (bytes.length < mark) return; // shorter than when the checkpoint was written: not ours to guess at
  const kept: string[] = [];
  for (const line of bytes.subarray(mark).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as Line;
      if (keep(value)) kept.push(JSON.stringify(value) + '\n');
    } catch { /* a line cut by the kill */ }
  }
  writeFileAtomic(file, Buffer.concat([bytes.subarray(0, mark), Buffer.from(kept.join(''))]));
}

/**
 * Sends a message to the parent process when there is a live IPC channel. A parent that went away
 * (a VS Code window reloaded) must not kill the run: the files remain the record, and a send
 * error is swallowed by the callback instead of becoming an unhandled 'error' event.
 */
function sendToParent(message: unknown): void {
  if (process.send && process.connected) process.send(message, undefined, undefined, () => undefined);
}
