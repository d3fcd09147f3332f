// Waiting on a child process without hanging: a wait that cannot end (the child crashed, finished
// early, or never gets there) fails the test with a message instead.
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves once `ready()` holds (polled every 20 ms) while `child` is running; rejects if the child
 * exits or fails to start first, or after `timeoutMs`.
 */
export function untilWhileRunning(child: ChildProcess, ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearInterval(timer);
      clearTimeout(deadline);
      child.off('exit', onExit).off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`the process exited (${signal ?? code}) before ${what}`));
    const timer = setInterval(() => {
      try {
        if (ready()) done();
      } catch {
        /* a file being written: look again */
      }
    }, 20);
    const deadline = setTimeout(() => done(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)), timeoutMs);
    if (child.exitCode !== null || child.signalCode !== null) return done(new Error(`the process had exited before ${what}`));
    child.on('exit', onExit).on('error', done);
  });
}
