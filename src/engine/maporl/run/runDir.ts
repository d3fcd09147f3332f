// The run directory (design.md, "Run directory"): append-only events.jsonl and transcripts.jsonl,
// the resolved config.json, summary.json at the end. Every event and transcript is also sent to
// the parent process when there is one (the VS Code extension forks the engine with IPC).
// Each checkpoint records where the two logs ended (`LogMarks`), so that a resume cuts them back to
// exactly that moment, whatever instant the interrupted process died at (io/runLogs.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendJsonl, removeStaleTemps, writeJsonAtomic, writeFileAtomic } from '../../io/atomic';
import { cutEventsAfter, cutLog } from '../../io/runLogs';
import { outputDir, prepareOutputDir, RUN_DIR_ENTRIES } from '../../io/outputs';
import { assertUnlocked } from '../../io/runLock';
import { sendToParent, stamped, type NewEvent } from '../../io/parentChannel';
import type { RunSummary, TranscriptRecord } from '../../../protocol/runRecords';

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

  get checkpoints(): string {
    return path.join(this.dir, 'checkpoints');
  }

  writeConfig(config: unknown): void {
    writeJsonAtomic(path.join(this.dir, 'config.json'), config);
  }

  event(e: NewEvent): void {
    const full = stamped(e);
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
   * transcripts.jsonl back to its mark (checkpoints older than marks: to the lines up to `step`) and
   * events.jsonl as `cutEventsAfter` does. Also removes leftover temporary checkpoint directories and
   * the interrupted run's summary. Returns whether events.jsonl holds the checkpoint's own event (a
   * process killed between the checkpoint and its event left none).
   */
  truncateAfter(step: number, marks?: LogMarks): boolean {
    if (marks) cutLog(this.transcripts, marks.transcripts, () => false);
    else cutLog(this.transcripts, 0, (e) => (e.step ?? 0) <= step);
    const logged = cutEventsAfter(this.events, step, marks?.events);
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

/**
 * Makes `out` ready for a new run (io/outputs.ts): refused when it names something that is not a
 * directory; without `force`, when it is not empty; with `force`, unless it is a run directory this
 * project wrote (its annotations are moved beside it first, said through `say`).
 */
export function ensureEmptyRunDir(
  out: string,
  force: boolean,
  o: { inputs?: readonly string[]; say?: (line: string) => void } = {},
): void {
  outputDir(out);
  assertUnlocked(out); // --force must not pull a live run's directory away
  prepareOutputDir(out, {
    owned: RUN_DIR_ENTRIES,
    notEmpty: 'run directory exists and is not empty (use --resume to continue it, or --force to replace it)',
    force,
    ...o,
  });
}
