// Everything the host keeps in memory about one run that is shown or trained: its folded state, its
// curve (all metrics points) and its latest transcripts. Fed from one source at a time:
//  - 'files': tailing events.jsonl / transcripts.jsonl (runs of other windows, the CLI, after a reload);
//  - 'ipc':   messages of a job this window started (lower latency; the files are not read meanwhile,
//             so nothing is counted twice). When the job ends the model reloads from the files.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  isRunSummary,
  validateTranscriptRecord,
  type MetricsPoint,
  type RunSummary,
  type TranscriptRecord,
} from '../../protocol/runRecords';
import type { TranscriptView } from '../../protocol/webview';
import { JsonlTail } from './jsonlTail';
import { RUN_FILES, readRunConfig, settleOrphanedRun } from './runDirectory';
import { emptyRunState, foldEvent, readRunEvent, type RunState } from './runState';

/** Transcripts kept per run (the newest); older ones stay in transcripts.jsonl. */
export const MAX_TRANSCRIPTS = 5000;

export interface RunDelta {
  /** Events folded (metrics or not: a status event changes the state without adding a point). */
  events: number;
  metrics: MetricsPoint[];
  evalMetrics: MetricsPoint[];
  transcripts: TranscriptView[];
  problems: string[];
  /** The model was rebuilt from scratch: views must replace, not append. */
  restarted: boolean;
}

export const emptyDelta = (): RunDelta => ({
  events: 0,
  metrics: [],
  evalMetrics: [],
  transcripts: [],
  problems: [],
  restarted: false,
});

/**
 * Appends a metrics point to an ascending curve. A point whose step is not after the last one means the
 * run was resumed from an earlier checkpoint: the points from that step on are replaced.
 */
export function appendMetricsPoint(curve: MetricsPoint[], point: MetricsPoint): void {
  if (curve.length > 0 && curve[curve.length - 1].step >= point.step) {
    let keep = curve.length;
    while (keep > 0 && curve[keep - 1].step >= point.step) keep--;
    curve.length = keep;
  }
  curve.push(point);
}

export class RunModel {
  state: RunState = emptyRunState();
  metrics: MetricsPoint[] = [];
  evalMetrics: MetricsPoint[] = [];
  transcripts: TranscriptView[] = [];
  config: Record<string, unknown> | null = null;
  /** summary.json, read once the run has ended (null before, or when it is missing or invalid). */
  summary: RunSummary | null = null;
  source: 'files' | 'ipc' = 'files';
  private events!: JsonlTail;
  private transcriptTail!: JsonlTail;

  constructor(
    readonly dir: string,
    private readonly totalStepsOf: (config: Record<string, unknown> | null) => number | null,
  ) {
    this.reset();
  }

  /** Forgets everything and starts reading the files from the beginning (next readFiles()). */
  reset(): void {
    this.state = emptyRunState();
    this.metrics = [];
    this.evalMetrics = [];
    this.transcripts = [];
    this.config = null;
    this.summary = null;
    this.events = new JsonlTail(join(this.dir, RUN_FILES.events));
    this.transcriptTail = new JsonlTail(join(this.dir, RUN_FILES.transcripts));
  }

  /** Reads what the files gained since the last call. A rewritten file resets the model first. */
  readFiles(): RunDelta {
    if (!this.config) {
      this.config = readRunConfig(this.dir);
      this.state.totalSteps ??= this.totalStepsOf(this.config);
    }
    const delta = emptyDelta();
    const ev = this.events.read();
    const tr = this.transcriptTail.read();
    if (ev.restarted || tr.restarted) {
      this.reset();
      const again = this.readFiles();
      return { ...again, restarted: true };
    }
    ev.records.forEach((e, k) => this.applyEvent(e, delta, ev.lines[k]));
    tr.records.forEach((r, k) => this.applyTranscript(r, delta, tr.lines[k]));
    const wasRunning = this.state.status === 'running';
    settleOrphanedRun(this.dir, this.state);
    if (wasRunning && this.state.status !== 'running') delta.events++; // views must show the new status
    if (!this.summary && this.state.status !== 'running' && this.state.status !== 'unknown') this.summary = readSummary(this.dir);
    delta.problems.push(...ev.problems.map((p) => p.message), ...tr.problems.map((p) => p.message));
    return delta;
  }

  /** Folds an event; one that does not match the record format is skipped and reported. */
  applyEvent(record: unknown, delta: RunDelta, line?: number): void {
    const { event, problem } = readRunEvent(record);
    if (!event) {
      delta.problems.push(`${join(this.dir, RUN_FILES.events)}${line ? `:${line}` : ''}: ${problem} (event skipped)`);
      return;
    }
    delta.events++;
    const folded = foldEvent(this.state, event);
    if (folded?.split === 'train') {
      appendMetricsPoint(this.metrics, folded.point);
      delta.metrics.push(folded.point);
    } else if (folded?.split === 'eval') {
      appendMetricsPoint(this.evalMetrics, folded.point);
      delta.evalMetrics.push(folded.point);
    }
    if (this.state.totalSteps === null && this.config) this.state.totalSteps = this.totalStepsOf(this.config);
  }

  /** Adds a transcript; one that does not match the record format is skipped and reported. */
  applyTranscript(record: unknown, delta: RunDelta, line?: number): void {
    const problem = validateTranscriptRecord(record);
    if (problem) {
      delta.problems.push(`${join(this.dir, RUN_FILES.transcripts)}${line ? `:${line}` : ''}: ${problem} (transcript skipped)`);
      return;
    }
    const transcript: TranscriptView = record as TranscriptRecord; // a record is a view (the stricter type)
    this.transcripts.push(transcript);
    if (this.transcripts.length > MAX_TRANSCRIPTS * 1.2) this.transcripts = this.transcripts.slice(-MAX_TRANSCRIPTS);
    delta.transcripts.push(transcript);
  }

  /** The newest transcripts, at most MAX_TRANSCRIPTS. */
  latestTranscripts(): TranscriptView[] {
    return this.transcripts.length > MAX_TRANSCRIPTS ? this.transcripts.slice(-MAX_TRANSCRIPTS) : this.transcripts;
  }
}

/** A run's summary.json, or null when it is missing or not a summary (written last: design.md). */
function readSummary(dir: string): RunSummary | null {
  try {
    const v = JSON.parse(readFileSync(join(dir, RUN_FILES.summary), 'utf8')) as unknown;
    return isRunSummary(v) ? v : null;
  } catch {
    return null;
  }
}
