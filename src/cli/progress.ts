// Progress for long work: a redrawn bar on a terminal, plain lines (at most every few seconds)
// elsewhere, so logs of CI and of the extension's output channel stay readable.
import { EVAL_CHUNK } from '../engine/maporl/discussion';

export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastLine = 0;
  private readonly start = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, detail = ''): void {
    const now = Date.now();
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const timing = `${fmt(elapsed)}${Number.isFinite(eta) ? ` eta ${fmt(eta)}` : ''}`;
    if (this.tty) {
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
      process.stderr.write(
        `\r${this.label} ${bar} ${done}/${this.total} ${timing} ${detail}`.slice(0, process.stderr.columns ?? 120).padEnd(20) +
          '\x1b[K',
      );
      if (done >= this.total) process.stderr.write('\n');
    } else if (now - this.lastLine > 5000 || done >= this.total) {
      this.lastLine = now;
      process.stderr.write(`${this.label} ${done}/${this.total} (${Math.round(frac * 100)}%) ${timing} ${detail}\n`);
    }
  }
}

function fmt(s: number): string {
  return s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * Progress of an evaluation of `questions` questions, reported per chunk of EVAL_CHUNK questions
 * (engine/maporl/discussion/evaluate.ts); none for an evaluation of one chunk, which ends as soon as it shows.
 */
export function evalProgress(label: string, questions: number): Progress | undefined {
  return questions > EVAL_CHUNK ? new Progress(`${label}: questions`, questions) : undefined;
}
