// Crash-safe writes. A file or directory that a reader can see under its final name is always
// complete: it is written under a temporary name next to it and renamed (rename is atomic on one
// file system). A crashed writer leaves only `*.tmp-<pid>-<rand>` entries, which no reader
// mistakes for the real thing and which `removeStaleTemps` cleans up.
// Append-only logs (events.jsonl, transcripts.jsonl) are written one line per write call, and read
// back tolerating a truncated last line.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataFileError, OutputDirError } from './errors';

const TEMP_MARK = '.tmp-';

/** A fresh temporary name next to `finalPath`: `<finalPath>.tmp-<pid>-<rand>`. */
export function tempPathFor(finalPath: string): string {
  return `${finalPath}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether `name` is a temporary name made by `tempPathFor` (an unfinished write). */
export function isTempPath(name: string): boolean {
  return /\.tmp-\d+-[0-9a-f]{8}$/.test(name);
}

/** Writes `data` to `filePath` atomically: temp file, fsync, rename. Creates the parent folder. */
export function writeFileAtomic(filePath: string, data: string | Uint8Array): void {
  writeFileAtomicWith(filePath, (fd) => fs.writeFileSync(fd, data));
}

/** Writes `filePath` atomically through `fill(fd)`, for files too large to hold in one buffer. */
export function writeFileAtomicWith(filePath: string, fill: (fd: number) => void): void {
  refuseToReplace(filePath, 'file');
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const tmp = tempPathFor(filePath);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fill(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw withPath(err, filePath);
  }
}

/** A write error naming the file (a failed write(fd), ENOSPC say, carries no path of its own). */
function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && !e.path) e.path = file;
  return err;
}

/** Writes `obj` as pretty JSON (2 spaces, final newline) atomically. */
export function writeJsonAtomic(filePath: string, obj: unknown): void {
  writeFileAtomic(filePath, JSON.stringify(obj, null, 2) + '\n');
}

/**
 * The rename would swap out whatever `p` names: a device, a FIFO, a symbolic link or a directory where
 * a file is written (or the reverse) is refused, never replaced (outputs.ts writes through devices
 * and links before it comes here).
 */
function refuseToReplace(p: string, want: 'file' | 'directory'): void {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (st && !(want === 'file' ? st.isFile() : st.isDirectory()))
    throw new OutputDirError(p, `is ${kindOf(st)}, not a ${want} this project writes: refusing to replace it`);
}

function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a regular file';
  return st.isCharacterDevice() ? 'a character device' : st.isFIFO() ? 'a FIFO' : 'a special file';
}

export interface WriteDirOptions {
  /** Replace an existing `finalDir` (moved aside, then removed after the rename). Default false. */
  overwrite?: boolean;
  /**
   * Another writer put `finalDir` in place while this one was filling its copy: return true to keep
   * theirs and drop this copy (writeDirAtomic then resolves to false). Without it, `overwrite` decides.
   */
  keepExisting?: (finalDir: string) => boolean;
}

/**
 * Creates the directory `finalDir` atomically: `fill(tmpDir)` writes everything into a fresh
 * temporary directory next to it, which is then renamed to `finalDir`. If `fill` throws, the
 * temporary directory is removed and the error rethrown; if the process dies, the temporary
 * directory stays behind under a name that `isTempPath` recognises.
 */
export async function writeDirAtomic(
  finalDir: string,
  fill: (tmpDir: string) => Promise<void> | void,
  options: WriteDirOptions = {},
): Promise<boolean> {
  refuseToReplace(finalDir, 'directory');
  if (fs.existsSync(finalDir) && !options.overwrite) throw new Error(`${finalDir}: already exists`);
  fs.mkdirSync(path.dirname(finalDir), { recursive: true });
  const tmp = tempPathFor(finalDir);
  fs.mkdirSync(tmp);
  const olds: string[] = [];
  try {
    await fill(tmp);
    fsyncDirEntries(tmp);
    // There is no atomic "replace a non-empty directory": an existing copy (there before, or put
    // there by a concurrent writer after the check above) is renamed aside, and removed once the
    // new one is in place. In between finalDir is absent, never half-written.
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(tmp, finalDir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 8) throw err;
        if (options.keepExisting?.(finalDir)) {
          fs.rmSync(tmp, { recursive: true, force: true });
          return false;
        }
        if (!options.overwrite) throw new Error(`${finalDir}: already exists`, { cause: err });
        const old = tempPathFor(finalDir);
        try {
          fs.renameSync(finalDir, old);
          olds.push(old);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // the other writer moved it first
        }
      }
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const last = olds.pop(); // put the previous copy back rather than leave nothing
    if (last && !fs.existsSync(finalDir)) fs.renameSync(last, finalDir);
    for (const old of olds) fs.rmSync(old, { recursive: true, force: true });
    throw err;
  }
  for (const old of olds) fs.rmSync(old, { recursive: true, force: true });
  return true;
}

// Flushes every regular file directly inside `dir` to disk before the directory is published.
function fsyncDirEntries(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      fsyncDirEntries(path.join(dir, entry.name));
    } else if (entry.isFile()) {
      const fd = fs.openSync(path.join(dir, entry.name), 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

/**
 * Removes the directory `dir` so that no reader ever sees it half-removed: renamed to a temporary
 * name first (atomic), then deleted. A process killed in between leaves only a temporary.
 */
export function removeDirAtomic(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const doomed = tempPathFor(dir);
  fs.renameSync(dir, doomed);
  fs.rmSync(doomed, { recursive: true, force: true });
}

/** Names directly inside `dir` that are complete (not a crashed writer's temp), sorted; [] if `dir` is absent. */
export function listComplete(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => !isTempPath(name))
    .sort();
}

/** Removes leftovers of crashed writers (`*.tmp-<pid>-<rand>`) directly inside `dir`; returns their names. */
export function removeStaleTemps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const stale = fs.readdirSync(dir).filter(isTempPath);
  for (const name of stale) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  return stale;
}

/** Marks a temporary directory with its writer's host and pid, so that removeDeadTemps on another host of a shared folder leaves it alone. */
export function markOwner(tmpDir: string): void {
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.writeFileSync(path.join(tmpDir, OWNER_FILE), JSON.stringify({ host: os.hostname(), pid: process.pid }) + '\n');
}

const OWNER_FILE = '.owner';

/**
 * Removes the temporaries directly inside `dir` whose writer is gone: its pid (the one in the name,
 * or in the `.owner` that markOwner wrote) is not running on this host. A live writer's temporary is
 * left alone, and so is one marked by another host (a cache on a shared file system). Returns the names removed.
 */
export function removeDeadTemps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const dead = fs.readdirSync(dir).filter((name) => {
    const pid = /\.tmp-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
    if (pid === undefined) return false;
    let owner: { host?: unknown; pid?: unknown } | null = null;
    try {
      owner = JSON.parse(fs.readFileSync(path.join(dir, name, OWNER_FILE), 'utf8'));
    } catch {
      /* not marked (a file, or a writer that died before marking): the pid in the name decides */
    }
    if (owner && owner.host !== os.hostname()) return false;
    return !pidAlive(Number(pid));
  });
  for (const name of dead) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  return dead;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Removes `tmp` if the process ends before `dispose` is called: at exit (process.exit), and on a
 * signal that nothing else handles (Ctrl-C of a command that does not stop gracefully), which is
 * then raised again so that the process still ends as that signal would end it. A SIGKILL leaves
 * `tmp`, which `removeDeadTemps` cleans up on the next start.
 */
export function removeOnExit(tmp: string): () => void {
  const remove = () => fs.rmSync(tmp, { recursive: true, force: true });
  const handlers = new Map<NodeJS.Signals, () => void>();
  const dispose = () => {
    process.off('exit', remove);
    for (const [sig, h] of handlers) process.off(sig, h);
  };
  process.on('exit', remove);
  for (const sig of CLEANUP_SIGNALS) {
    if (process.listenerCount(sig) > 0) continue; // someone stops gracefully on it; 'exit' still cleans
    const h = () => {
      dispose();
      remove();
      process.kill(process.pid, sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return dispose;
}

/** Appends `obj` as one JSON line with a single write call (so lines from one writer never interleave). */
export function appendJsonl(filePath: string, obj: unknown): void {
  const line = JSON.stringify(obj);
  if (line === undefined) throw new TypeError(`${filePath}: cannot append a value that has no JSON form`);
  try {
    fs.appendFileSync(filePath, line + '\n');
  } catch (err) {
    throw withPath(err, filePath);
  }
}

/** One parsed line of a JSONL file. */
export interface JsonlLine<T = unknown> {
  /** 1-based line number in the file. */
  line: number;
  value: T;
}

export interface ReadJsonlOptions {
  /**
   * What to do with a line that is not valid JSON (other than a truncated last line):
   * 'throw' (default) throws a DataFileError `<file>:<line>: <problem>`; 'skip' drops it; a
   * function receives the error and the line is dropped.
   */
  onInvalid?: 'throw' | 'skip' | ((err: DataFileError) => void);
  /** Called when the last line has no newline and does not parse: a writer died mid-line. It is dropped. */
  onTruncatedTail?: (line: number) => void;
}

/** Reads a JSONL file: one JSON value per line, blank lines skipped, with their line numbers. */
export function readJsonlLines<T = unknown>(filePath: string, options: ReadJsonlOptions = {}): JsonlLine<T>[] {
  const text = fs.readFileSync(filePath, 'utf8');
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) lines.pop(); // the empty string after the final newline
  const out: JsonlLine<T>[] = [];
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    try {
      out.push({ line: lineNo, value: JSON.parse(trimmed) as T });
    } catch (err) {
      if (i === lines.length - 1 && !endsWithNewline) {
        options.onTruncatedTail?.(lineNo);
        return;
      }
      const problem = new DataFileError(filePath, lineNo, `invalid JSON (${(err as Error).message})`);
      const onInvalid = options.onInvalid ?? 'throw';
      if (onInvalid === 'throw') throw problem;
      if (typeof onInvalid === 'function') onInvalid(problem);
    }
  });
  return out;
}

/** Reads a JSONL file's values (see `readJsonlLines`). */
export function readJsonl<T = unknown>(filePath: string, options: ReadJsonlOptions = {}): T[] {
  return readJsonlLines<T>(filePath, options).map((l) => l.value);
}
