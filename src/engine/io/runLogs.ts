// Cutting a run's append-only logs (events.jsonl, transcripts.jsonl) back to a checkpoint on resume,
// for MAPoRL runs (maporl/run/runDir.ts) and SFT runs (sft/trainer.ts) alike. A checkpoint records each
// log's byte length when it was written (its mark); what a resumed run is about to produce again
// is cut, so no record appears twice, whatever instant the interrupted process died at.
import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic';

/** The fields of a log line that decide whether it survives a cut. */
export type LogLine = { type?: string; step?: number; status?: string };

/** Keeps the first `mark` bytes of a JSONL file as they are and, of the lines after them, those `keep` accepts. */
export function cutLog(file: string, mark: number, keep: (line: LogLine) => boolean): void {
  if (!fs.existsSync(file)) return;
  const bytes = fs.readFileSync(file);
  if (bytes.length < mark) return; // shorter than when the checkpoint was written: not ours to guess at
  const kept: string[] = [];
  for (const line of bytes.subarray(mark).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as LogLine;
      if (keep(value)) kept.push(JSON.stringify(value) + '\n');
    } catch {
      /* a line cut by the kill */
    }
  }
  writeFileAtomic(file, Buffer.concat([bytes.subarray(0, mark), Buffer.from(kept.join(''))]));
}

/**
 * Cuts events.jsonl for a resume from the checkpoint of `step`, written when the log ended at `mark`:
 * keeps the log up to the mark and, of the lines after it, the checkpoint's own event and the history
 * of the processes (status and log lines up to `step`; not 'finished', which the resumed run reaches
 * again). Everything else after the mark is about to be produced again, identically for the same
 * seed. A checkpoint older than marks (`mark` undefined) is cut by step: lines up to `step` stay.
 * Returns whether the log holds the checkpoint's own event (a process killed between the checkpoint
 * and its event left none).
 */
export function cutEventsAfter(file: string, step: number, mark: number | undefined): boolean {
  let logged = false;
  const isOwnEvent = (e: LogLine) => e.type === 'checkpoint' && e.step === step;
  if (mark !== undefined) {
    cutLog(file, mark, (e) => {
      if (isOwnEvent(e)) return (logged = true);
      return (e.type === 'log' || (e.type === 'status' && e.status !== 'finished')) && (e.step ?? 0) <= step;
    });
  } else {
    cutLog(file, 0, (e) => {
      logged ||= isOwnEvent(e);
      return (e.step ?? 0) <= step;
    });
  }
  return logged;
}
