// Wall time of calls that run side by side in other threads (a team's update workers sampling a
// turn), shared out among them: each interval between two starts or ends is split equally among
// the calls running in it. The shares add up to the wall time during which any of them ran — what
// an iteration's phase took — where the calls' own durations would add up to more.
import type { Timing } from '../../generate/runtime';

export class WallShares {
  private readonly running = new Map<Timing, number>(); // each timing and how many of its calls run
  private last = 0;

  /** Runs `call`, charging its share of the wall time to `timing` (runMs, calls). */
  async time<T>(timing: Timing, call: () => Promise<T>): Promise<T> {
    this.advance();
    this.running.set(timing, (this.running.get(timing) ?? 0) + 1);
    try {
      return await call();
    } finally {
      this.advance();
      const n = this.running.get(timing)! - 1;
      if (n) this.running.set(timing, n);
      else this.running.delete(timing);
      timing.calls++;
    }
  }

  private advance(): void {
    const now = performance.now();
    const calls = [...this.running.values()].reduce((a, b) => a + b, 0);
    for (const [t, n] of this.running) t.runMs += ((now - this.last) * n) / calls;
    this.last = now;
  }
}
