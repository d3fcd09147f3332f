// Runs the real `maporl` command (dist/cli.js, rebuilt first when any source file is newer) in a
// child process and returns its exit code and output.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;
/** `npm run build` unless dist/cli.js is newer than everything under src/ (spawning the bundle starts 5x faster than tsx). */
function ensureBuilt(): void {
  if (built) return;
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(join(REPO, 'src'))) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stderr}`);
  }
  built = true;
}

/** dist/cli.js, rebuilt first when a source file is newer: for tests that fork the engine themselves. */
export function builtCli(): string {
  ensureBuilt();
  return CLI;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `maporl`; `env` is added to this process's environment (undefined values remove a variable). */
export function maporl(args: string[], env?: Record<string, string | undefined>): CliResult {
  ensureBuilt();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', env: env && { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `maporl`; `onStderr` sees all stderr so far after each chunk (e.g. to send a signal). Resolves at exit. */
export function maporlAsync(
  args: string[],
  onStderr: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<CliResult> {
  return maporlChild(args, onStderr).done;
}

/** Starts `maporl`: the child process, and its result at exit (`code` null after a signal). */
export function maporlChild(
  args: string[],
  onStderr: (text: string, kill: (s: NodeJS.Signals) => void) => void = () => undefined,
): { child: ChildProcess; done: Promise<CliResult> } {
  ensureBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    onStderr(stderr, (s) => child.kill(s));
  });
  const done = new Promise<CliResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
  return { child, done };
}

/** The one-line error contract: exit 2, a single stderr line `maporl: <message>`, no stack trace. */
export function assertBadInput(r: CliResult, pattern: RegExp, label: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  if (r.code !== 2 || lines.length !== 1 || !/^maporl: /.test(lines[0]) || !pattern.test(lines[0])) {
    throw new Error(`${label}: expected exit 2 and one line matching ${pattern}, got exit ${r.code} and stderr:\n${r.stderr}`);
  }
}
