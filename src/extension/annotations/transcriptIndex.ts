// The transcripts editor's view of transcripts.jsonl: one DiscussionSummary per discussion and the byte
// range of its line, so a 50 MB file costs the host one pass and an index, not every record in memory;
// full records are read back by offset when the page shows them. The file may still be growing (a live
// run appends to it): read() picks up the lines completed since the last call, and a line without its
// newline waits. The file is only ever read. A shrunk or replaced file is read again from the start.
// Node fs only, no vscode.
import { closeSync, openSync, readSync } from 'node:fs';
import { discussionKey } from '../../protocol/annotations';
import { validateTranscriptRecord, type TranscriptRecord } from '../../protocol/runRecords';
import { summarizeDiscussion, type DiscussionSummary, type ReadProblem } from '../../protocol/transcriptsEditor';
import { openGrowing } from '../runData/jsonlTail';

const BLOCK = 4 << 20;
const MIN_READ = 64 << 10;
const NEWLINE = 0x0a;

interface Location {
  offset: number;
  length: number;
  position: number;
}

export interface IndexChunk {
  /** New discussions, and discussions whose key came again (replaced in place). */
  entries: DiscussionSummary[];
  problems: ReadProblem[];
  /** The file was rewritten: everything before is void, `entries` starts over. */
  restarted: boolean;
  /** False when `maxBytes` stopped the read before the end of the file. */
  done: boolean;
}

export class TranscriptIndex {
  readonly entries: DiscussionSummary[] = [];
  readonly problems: ReadProblem[] = [];
  private readonly where = new Map<string, Location>();
  /** Byte offset of the first line not read yet; lines are 1-based. */
  private offset = 0;
  private line = 0;
  private inode = -1;

  constructor(readonly path: string) {}

  get bytesRead(): number {
    return this.offset;
  }

  has(key: string): boolean {
    return this.where.has(key);
  }
  summary(key: string): DiscussionSummary | undefined {
    const at = this.where.get(key);
    return at ? this.entries[at.position] : undefined;
  }

  /** Reads complete lines from where the last call stopped, at most about `maxBytes` of them. */
  read(maxBytes = Number.POSITIVE_INFINITY): IndexChunk {
    const out: IndexChunk = { entries: [], problems: [], restarted: false, done: true };
    const file = openGrowing(this.path, this.offset, this.inode);
    if (!file) return out; // not written yet
    const { fd, size } = file;
    try {
      if (file.restarted) {
        this.reset();
        out.restarted = true;
      }
      this.inode = file.ino;
      let block = Buffer.allocUnsafe(BLOCK);
      let budget = maxBytes;
      while (this.offset < size) {
        if (budget < MIN_READ) {
          out.done = false;
          break;
        }
        const want = Math.min(block.length, size - this.offset, Math.max(budget, MIN_READ));
        const n = readSync(fd, block, 0, want, this.offset);
        if (n <= 0) break;
        // A newline byte never occurs inside a UTF-8 sequence, so lines are cut on bytes.
        const last = block.lastIndexOf(NEWLINE, n - 1);
        if (last < 0) {
          if (this.offset + n >= size) break; // an unfinished last line: wait for its newline
          if (n === block.length) block = Buffer.allocUnsafe(block.length * 2); // a line longer than the block
          budget = block.length; // a line longer than the budget: read it whole
          continue;
        }
        let start = 0;
        while (start <= last) {
          const end = block.indexOf(NEWLINE, start);
          this.add(block, start, end, this.offset + start, out);
          start = end + 1;
        }
        this.offset += last + 1;
        budget -= last + 1;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /**
   * The full records of these discussions, read back by offset. A line that no longer holds its
   * discussion (the file was replaced under us) is left out; the next read() starts over.
   */
  records(keys: string[]): TranscriptRecord[] {
    const wanted = keys.map((k) => [k, this.where.get(k)] as const).filter((x): x is [string, Location] => x[1] !== undefined);
    if (!wanted.length) return [];
    const out: TranscriptRecord[] = [];
    const fd = openSync(this.path, 'r');
    try {
      for (const [key, at] of wanted) {
        const buf = Buffer.allocUnsafe(at.length);
        readSync(fd, buf, 0, at.length, at.offset);
        try {
          const record = JSON.parse(buf.toString('utf8')) as TranscriptRecord;
          if (discussionKey(record) === key) out.push(record);
        } catch {
          /* replaced file: the next read() restarts */
        }
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private add(block: Buffer, start: number, end: number, fileOffset: number, out: IndexChunk): void {
    const line = ++this.line;
    const text = block.toString('utf8', start, end);
    if (!text.trim()) return;
    const report = (problem: string) => {
      const p: ReadProblem = { file: 'transcripts', line, problem };
      this.problems.push(p);
      out.problems.push(p);
    };
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      report('not JSON');
      return;
    }
    const problem = validateTranscriptRecord(record);
    if (problem) {
      report(problem);
      return;
    }
    const summary = summarizeDiscussion(record as TranscriptRecord, line);
    const before = this.where.get(summary.key);
    // A key seen again (a run resumed from an earlier checkpoint repeats its steps): the newer line wins.
    const position = before ? before.position : this.entries.length;
    this.entries[position] = summary;
    this.where.set(summary.key, { offset: fileOffset, length: end - start, position });
    out.entries.push(summary);
  }

  private reset(): void {
    this.entries.length = 0;
    this.problems.length = 0;
    this.where.clear();
    this.offset = 0;
    this.line = 0;
  }
}
