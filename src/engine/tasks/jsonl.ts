// JSONL reading with line numbers and one-line errors, and an atomic JSONL writer.

import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bad data: `message` is one line, `<file>:<line>: <problem>` (or `<file>: <problem>` for the whole file). */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(line === null ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
    this.name = 'DataError';
  }
}

export interface JsonlLine {
  /** 1-based line number in the file. */
  line: number;
  value: unknown;
}

/** Invalid lines skipped under `skipInvalid`: how many, and the first few one-line messages. */
export interface SkipReport {
  count: number;
  examples: string[];
}

export const MAX_SKIP_EXAMPLES = 5;

export function emptySkipReport(): SkipReport {
  return { count: 0, examples: [] };
}

export function noteSkipped(report: SkipReport, err: DataError): void {
  report.count++;
  if (report.examples.length < MAX_SKIP_EXAMPLES) report.examples.push(err.message);
}

/** Read a file's text, as a DataError when it cannot be read. A UTF-8 byte order mark is dropped. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(file, null, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (e as Error).message})`);
  }
}

/**
 * Parse JSONL: one JSON value a line; blank lines are ignored. An invalid line throws a DataError,
 * or with `skip` is counted there and left out.
 */
export function parseJsonl(file: string, text: string, skip?: SkipReport): JsonlLine[] {
  const out: JsonlLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (e) {
      const err = new DataError(file, i + 1, `invalid JSON (${(e as Error).message})`);
      if (!skip) throw err;
      noteSkipped(skip, err);
    }
  }
  return out;
}

/** Write rows as JSONL through a temporary file and a rename, so readers never see half a file. */
export function writeJsonlAtomic(file: string, rows: readonly unknown[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  renameSync(tmp, file);
}
