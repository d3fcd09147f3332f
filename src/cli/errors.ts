// Which errors are the user's input (exit 2, one line, no stack) and which are failures (exit 1).
import { ShapeError } from '../engine/graph/shape';
import { ModelFileError, DataFileError, OutputDirError } from '../engine/io/errors';
import { RunLockedError } from '../engine/io/runLock';
import { ConfigError } from '../engine/maporl/config';
import { RuntimeChoiceError } from '../engine/runtime/resolve';
import { DataError } from '../engine/tasks/jsonl';

/** Bad command-line usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isBadInput(err: unknown): boolean {
  return (
    err instanceof UsageError ||
    err instanceof ModelFileError ||
    err instanceof DataFileError ||
    err instanceof ConfigError ||
    err instanceof DataError ||
    err instanceof ShapeError ||
    err instanceof RunLockedError ||
    err instanceof OutputDirError ||
    err instanceof RuntimeChoiceError
  );
}

export function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}

const STORAGE: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/**
 * One line for a file system that refused a write (disk full, quota, read-only, permissions), or
 * null for other errors. Such a run fails (exit 1) without a stack trace: what it had written stays
 * complete (atomic writes, checkpoints), so it continues with --resume once the disk is fixed.
 */
export function storageProblem(err: unknown, resumable = true): string | null {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const what = e && typeof e.code === 'string' ? STORAGE[e.code] : undefined;
  if (!what) return null;
  const where = e.path ? ` at ${e.path}${e.dest ? ` -> ${e.dest}` : ''}` : '';
  // Only train and sft continue with --resume; an export or a model written whole is simply run again.
  const next = resumable ? 'fix the disk, then continue with --resume' : 'fix it, then run the command again';
  return `${what} (${e.code}, ${e.syscall ?? 'write'}${where}); what was written before is kept: ${next}`;
}
