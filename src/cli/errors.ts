// Which errors are the user's input (exit 2, one line, no stack) and which are failures (exit 1).
import { ShapeError } from '../engine/graph/shape';
import { ModelFileError, DataFileError, OutputDirError } from '../engine/io/errors';
import { RunLockedError } from '../engine/io/runLock';
import { ConfigError } from '../engine/maporl/config';
import { DataError } from '../engine/tasks/jsonl';

/** Bad command-line usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isBadInput(err: unknown): boolean {
  return err instanceof UsageError || err instanceof ModelFileError || err instanceof DataFileError
    || err instanceof ConfigError || err instanceof DataError || err instanceof ShapeError || err instanceof RunLockedError || err instanceof OutputDirError;
}

export function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}
