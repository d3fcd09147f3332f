// Shared by the fault tests (test/faults/): how many faults to inject (a few in `npm test`, more in
// `npm run test:faults`, which sets MAPORL_FAULTS=long), their seeds (printed, so that a failure can
// be replayed with MAPORL_FAULT_SEED), and the real `maporl` command started with the fault hook.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointDamage } from '../../src/engine/io/checkpointManifest';
import { isTempPath } from '../../src/engine/io/atomic';
import { maporl } from '../cli/run';
import { rng } from './rng';

const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const HOOK = path.join(__dirname, 'faultHook.cjs');

/** Whether this is the long run (`npm run test:faults`). */
export const LONG = process.env.MAPORL_FAULTS === 'long';

/** `short` cases in `npm test`, `long` in test:faults (MAPORL_FAULT_CASES overrides both). */
export function caseCount(short: number, long: number): number {
  const n = Number(process.env.MAPORL_FAULT_CASES);
  return Number.isInteger(n) && n > 0 ? n : LONG ? long : short;
}

/**
 * The base seed: MAPORL_FAULT_SEED, else fixed in `npm test` (the same cases every time) and new in
 * test:faults (new cases each time; printed, so that a failure can be replayed).
 */
export function baseSeed(): number {
  const given = Number(process.env.MAPORL_FAULT_SEED);
  if (Number.isInteger(given)) return given;
  return LONG ? Date.now() % 1_000_000 : 20240607;
}

/** Prints a line that the test reporter shows with the test's output. */
export const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Seeded uniform values in [0, 1) for one case. */
export const caseRandom = (seed: number): (() => number) => rng(seed);

/** Makes sure dist/cli.js is current (maporl() rebuilds it when a source file is newer). */
export function ensureCli(): void {
  maporl(['--help']);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `maporl ARGS` under the fault hook with `env` added; `killAfterMs` sends SIGKILL after that long. */
export function runFaulty(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', HOOK, CLI, ...args], { cwd: REPO, env: { ...process.env, ...env } });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** `maporl ARGS` to the end, synchronously, without faults. */
export function runClean(args: string[], env: Record<string, string> = {}): Exit {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

/** How many fs calls under checkpoints/ a clean run of `maporl ARGS` makes (the range of checkpoint-write kill points). */
export async function checkpointCalls(args: string[], countFile: string): Promise<{ calls: number; ms: number }> {
  const r = await runFaulty(args, { MAPORL_FAULT_COUNT_FILE: countFile });
  if (r.code !== 0) throw new Error(`baseline run failed (${r.code}):\n${r.stderr}`);
  return { calls: Number(fs.readFileSync(countFile, 'utf8')), ms: r.ms };
}

/**
 * Problems with the checkpoints under `dir` as a kill left them: a directory under a final name
 * that lacks its manifest or does not match it (a half-written checkpoint). Temporaries are fine.
 */
export function halfWrittenCheckpoints(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const problems: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (isTempPath(name)) continue;
    const ckpt = path.join(dir, name);
    if (!fs.existsSync(path.join(ckpt, 'manifest.json'))) problems.push(`${name}: no manifest.json`);
    else {
      const damage = checkpointDamage(ckpt);
      if (damage) problems.push(`${name}: ${damage}`);
    }
  }
  return problems;
}
