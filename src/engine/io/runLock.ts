// One writer per run directory. A run (`maporl train`, its --resume, `maporl sft`) holds RUN/.lock
// while it writes there: a JSON line {pid, hostname, startedAt}, created with O_EXCL so that of two
// processes starting on one directory exactly one gets it; the other stops before touching a file
// (the CLI: exit 2, one line naming the holder). The lock is removed on every way out of the process
// but a hard kill (SIGKILL, power loss); a lock whose process is gone (same host, kill(pid, 0) says
// ESRCH) is stale and the next writer takes it over with a warning. On another host (a shared
// file system) liveness cannot be checked, so such a lock counts as held.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempPathFor } from './atomic';

export const LOCK_FILE = '.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** Another live process writes this run directory: the CLI reports it as bad usage (exit 2, one line). */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
}

export interface RunLock {
  readonly file: string;
  /** Removes the lock if it is still this one's; idempotent. */
  release(): void;
}

// A lock file without a readable record can only come from the O_EXCL fallback (open and write are two
// calls) or damage: it is being written unless it is older than this, then its writer died in between.
const UNREADABLE_STALE_MS = 10_000;

/** Takes RUN/.lock (creating RUN), or throws RunLockedError naming the live holder. */
export function acquireRunLock(dir: string, warn: (line: string) => void = () => undefined): RunLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
  // Three tries: a holder may release, or another process take over a stale lock, between our calls.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(file, mine)) return held(file, mine);
    const holder = readLock(file);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') {
      if (Date.now() - mtimeMs(file) < UNREADABLE_STALE_MS)
        throw new RunLockedError(`${dir}: another process is starting to write this run directory (${file} is being created)`);
      warn(
        `warning: ${dir}: taking over ${LOCK_FILE}, which holds no readable record and is older than ${UNREADABLE_STALE_MS / 1000} s`,
      );
    } else if (isLive(holder)) {
      throw lockedError(dir, holder);
    } else {
      warn(
        `warning: ${dir}: pid ${holder.pid}, which held ${LOCK_FILE} since ${holder.startedAt}, is no longer running; taking the lock over`,
      );
    }
    // Only the record judged stale: another process may have taken it over since we read it.
    if (JSON.stringify(readLock(file)) === JSON.stringify(holder)) fs.rmSync(file, { force: true });
  }
  throw new RunLockedError(`${dir}: other processes keep taking ${file}; try again`);
}

/** Runs `body` holding RUN/.lock (acquireRunLock), released however `body` ends: a run's one writer. */
export async function withRunLock<T>(
  dir: string,
  warn: ((line: string) => void) | undefined,
  body: () => Promise<T>,
): Promise<T> {
  const lock = acquireRunLock(dir, warn);
  try {
    return await body();
  } finally {
    lock.release();
  }
}

/** Throws RunLockedError if a live process holds RUN/.lock (before removing a run directory, say). */
export function assertUnlocked(dir: string): void {
  const holder = readLock(path.join(dir, LOCK_FILE));
  if (typeof holder === 'object' && isLive(holder)) throw lockedError(dir, holder);
}

function lockedError(dir: string, holder: LockInfo): RunLockedError {
  return new RunLockedError(
    `${dir}: another process is writing this run directory (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}); wait for it or stop it, or remove ${path.join(dir, LOCK_FILE)} if it is not running`,
  );
}

/**
 * Creates the lock with its record already in it: the record goes to a temporary file first, which
 * is then hard-linked to the lock's name (link fails with EEXIST, like O_EXCL). A writer killed at
 * any point leaves either no lock or a complete one, never an empty file that would block the next
 * start. File systems without hard links fall back to O_EXCL and a write.
 */
function create(file: string, info: LockInfo): boolean {
  const record = JSON.stringify(info) + '\n';
  const tmp = tempPathFor(file);
  fs.writeFileSync(tmp, record);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    return createExclusive(file, record);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function createExclusive(file: string, record: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, record);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The lock, released on process exit too (process.exit after a second Ctrl-C, an uncaught error). */
function held(file: string, mine: LockInfo): RunLock {
  const release = () => {
    process.off('exit', release);
    const now = readLock(file);
    if (typeof now === 'object' && now.pid === mine.pid && now.startedAt === mine.startedAt) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, release };
}

function readLock(file: string): LockInfo | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.hostname === 'string' ? info : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function isLive(holder: LockInfo): boolean {
  if (holder.hostname !== os.hostname()) return true; // cannot tell: assume it runs
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
