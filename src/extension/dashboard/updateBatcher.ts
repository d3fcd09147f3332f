// Collects a run's updates between two dashboard refreshes, so that a job writing hundreds of events
// a second costs the panel a few messages a second at most. A rebuilt model (restarted delta) turns the
// next flush into a full snapshot. Pure apart from its timer.
import type { MetricsPoint } from '../../protocol/runRecords';
import type { TranscriptView } from '../../protocol/webview';
import type { RunDelta } from '../runData/runModel';
import { MAX_TRANSCRIPTS } from '../runData/runModel';

export interface Batch {
  snapshot: boolean;
  metrics: MetricsPoint[];
  evalMetrics: MetricsPoint[];
  transcripts: TranscriptView[];
}

export class UpdateBatcher {
  private metrics: MetricsPoint[] = [];
  private evalMetrics: MetricsPoint[] = [];
  private transcripts: TranscriptView[] = [];
  private snapshot = false;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (batch: Batch) => void,
    private intervalMs: number,
  ) {}

  setInterval(ms: number): void {
    this.intervalMs = ms;
  }

  push(delta: RunDelta): void {
    if (delta.restarted) {
      this.requestSnapshot();
      return;
    }
    if (!this.snapshot) {
      this.metrics.push(...delta.metrics);
      this.evalMetrics.push(...delta.evalMetrics);
      this.transcripts.push(...delta.transcripts);
      if (this.transcripts.length > MAX_TRANSCRIPTS) this.transcripts = this.transcripts.slice(-MAX_TRANSCRIPTS);
    }
    this.schedule();
  }

  /** The next flush sends everything (the panel reloaded, or the model was rebuilt). */
  requestSnapshot(): void {
    this.snapshot = true;
    this.metrics = [];
    this.evalMetrics = [];
    this.transcripts = [];
    this.schedule();
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    const batch: Batch = {
      snapshot: this.snapshot,
      metrics: this.metrics,
      evalMetrics: this.evalMetrics,
      transcripts: this.transcripts,
    };
    this.metrics = [];
    this.evalMetrics = [];
    this.transcripts = [];
    this.snapshot = false;
    this.dirty = false;
    this.send(batch);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }
}
