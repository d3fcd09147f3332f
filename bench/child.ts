// Measurements that need a fresh process (peak memory, or timings undisturbed by what the bench ran
// before): a bench/*.ts script run through tsx that prints one JSON line last.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function runBenchChild<T>(script: string, args: string[]): Promise<T> {
  const file = join(__dirname, '..', 'bench', script);
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '',
    err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/${script} exited ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`bench/${script} printed no JSON: ${out.slice(0, 200)}`));
      }
    }),
  );
}

/** This process's resident memory now (VmRSS) or at its peak (VmHWM), in bytes (Linux). */
export function processMemory(field: 'VmHWM' | 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}
