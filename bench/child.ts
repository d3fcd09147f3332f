// Measurements that need a fresh process (peak memory, or timings undisturbed by what the bench ran
// before): a script that prints one JSON line last.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A bench/*.ts script run through tsx. */
export function runBenchChild<T>(script: string, args: string[]): Promise<T> {
  const file = join(__dirname, '..', 'bench', script);
  return runJsonChild<T>(['--import', 'tsx', file, ...args], { label: `bench/${script}` });
}

/**
 * `node <nodeArgs>` (this process's Node binary) from the repository root; resolves with the last
 * line of its stdout parsed as JSON. With timeoutMs the child is killed (SIGKILL) when it runs
 * longer, and the promise rejects saying so. onStderr sees the child's stderr as it comes (progress).
 */
export function runJsonChild<T>(
  nodeArgs: string[],
  opts: { label: string; timeoutMs?: number; onStderr?: (chunk: string) => void },
): Promise<T> {
  const child = spawn(process.execPath, nodeArgs, { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '',
    timedOut = false;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    opts.onStderr?.(String(d));
  });
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs);
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`${opts.label} killed after ${((opts.timeoutMs ?? 0) / 1000).toFixed(0)} s`));
      if (code !== 0) return reject(new Error(`${opts.label} exited ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`${opts.label} printed no JSON: ${out.slice(0, 200)}`));
      }
    }),
  );
}

/** This process's resident memory now (VmRSS) or at its peak (VmHWM), in bytes (Linux). */
export function processMemory(field: 'VmHWM' | 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}
