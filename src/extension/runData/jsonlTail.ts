// Incremental reader of an append-only JSONL file that another process is writing (events.jsonl,
// transcripts.jsonl). Each read() returns the records of the lines completed since the last read;
// a last line without its newline is kept back until the writer finishes it, so a half-written
// record is never parsed. If the file shrinks (rewritten), reading starts over.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface JsonlProblem {
  line: number;
  message: string;
}
export interface JsonlChunk {
  records: unknown[];
  /** 1-based line number of each record, parallel to `records`. */
  lines: number[];
  problems: JsonlProblem[];
  restarted: boolean;
}

/** Splits `pending + text` into complete lines and the unfinished rest (pure). */
export function splitCompleteLines(pending: string, text: string): { lines: string[]; rest: string } {
  const all = pending + text;
  const end = all.lastIndexOf('\n');
  if (end < 0) return { lines: [], rest: all };
  return { lines: all.slice(0, end).split('\n'), rest: all.slice(end + 1) };
}

const READ_BLOCK = 1 << 20;

/** A growing file opened for one read from `offset` (the caller reads and closes `fd`). */
export interface GrowingFile {
  fd: number;
  size: number;
  ino: number;
  /** Rewritten since the last read: shorter than `offset`, or another file under the name (when its inode is known). */
  restarted: boolean;
}

/** Opens a file another process appends to, for one read; null while it is not written yet. */
export function openGrowing(path: string, offset: number, inode = -1): GrowingFile | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size, ino } = fstatSync(fd);
    return { fd, size, ino, restarted: size < offset || (inode >= 0 && ino !== inode) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Complete lines of a growing text file, each read() giving those finished since the last one. */
export class LineTail {
  private offset = 0;
  private pending = '';
  private lineNumber = 0;
  // Bytes of a UTF-8 sequence cut by a read boundary wait here for the next read.
  private carry = Buffer.alloc(0);

  constructor(readonly path: string) {}

  read(): { lines: { number: number; text: string }[]; restarted: boolean } {
    const out = { lines: [] as { number: number; text: string }[], restarted: false };
    const file = openGrowing(this.path, this.offset);
    if (!file) return out; // not written yet
    const { fd, size } = file;
    try {
      if (file.restarted) {
        this.offset = 0;
        this.pending = '';
        this.lineNumber = 0;
        this.carry = Buffer.alloc(0);
        out.restarted = true;
      }
      const block = Buffer.allocUnsafe(Math.min(READ_BLOCK, Math.max(1, size - this.offset)));
      while (this.offset < size) {
        const n = readSync(fd, block, 0, Math.min(block.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        const bytes = Buffer.concat([this.carry, block.subarray(0, n)]);
        const cut = incompleteUtf8Tail(bytes);
        this.carry = Buffer.from(bytes.subarray(bytes.length - cut));
        const { lines, rest } = splitCompleteLines(this.pending, bytes.subarray(0, bytes.length - cut).toString('utf8'));
        this.pending = rest;
        for (const text of lines) out.lines.push({ number: ++this.lineNumber, text });
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }
}

/** Records of a growing JSONL file; a line that is not JSON is reported with its file and line number. */
export class JsonlTail {
  private lines: LineTail;
  constructor(readonly path: string) {
    this.lines = new LineTail(path);
  }

  read(): JsonlChunk {
    const { lines, restarted } = this.lines.read();
    const out: JsonlChunk = { records: [], lines: [], problems: [], restarted };
    for (const { number, text } of lines) {
      if (!text.trim()) continue;
      try {
        out.records.push(JSON.parse(text));
        out.lines.push(number);
      } catch (e) {
        out.problems.push({ line: number, message: `${this.path}:${number}: not JSON (${(e as Error).message})` });
      }
    }
    return out;
  }
}

/** How many bytes at the end of `b` start a UTF-8 sequence that is not complete yet (0..3). */
export function incompleteUtf8Tail(b: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
