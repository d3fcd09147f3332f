// The run directory (design.md, "Run directory"): append-only events.jsonl and transcripts.jsonl,
// the resolved config.json, summary.json at the end. Every event and transcript is also sent to
// the parent process when there is one (the VS Code extension forks the engine with IPC).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendJsonl, readJsonlLines, removeStaleTemps, writeJsonAtomic, writeFileAtomic } from '../io/atomic';
import type { RunEvent, RunSummary, TranscriptRecord } from '../../protocol/runRecords';

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = Without<RunEvent, 'time'>;

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

  /**
   * On resume from the checkpoint of iteration `step`: drops the lines written after it (they are
   * about to be produced again, identically for the same seed), leftover temporary checkpoint
   * directories, and the summary of the interrupted run.
   */
  truncateAfter(step: number): void {
    for (const file of [this.events, this.transcripts]) {
      if (!fs.existsSync(file)) continue;
      const keep = readJsonlLines<{ step?: number }>(file, { onInvalid: 'skip' })
        .filter(({ value }) => (value.step ?? 0) <= step)
        .map(({ value }) => JSON.stringify(value) + '\n');
      writeFileAtomic(file, keep.join(''));
    }
    if (fs.existsSync(this.checkpoints)) removeStaleTemps(this.checkpoints);
    fs.rmSync(path.join(this.dir, 'summary.json'), { force: true });
  }
}

/**
 * Sends a message to the parent process when there is a live IPC channel. A parent that went away
 * (a VS Code window reloaded) must not kill the run: the files remain the record, and a send
 * error is swallowed by the callback instead of becoming an unhandled 'error' event.
 */
function sendToParent(message: unknown): void {
  if (process.send && process.connected) process.send(message, undefined, undefined, () => undefined);
}
