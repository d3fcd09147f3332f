// A run's annotations.jsonl and the transcripts it refers to (design.md, "Run directory").
// Saving re-reads the file under a lock, merges (protocol/annotations.ts, mergeAnnotations) and
// writes atomically, so two writers (two windows, the CLI) never lose each other's labels and no
// reader ever sees half a file. transcripts.jsonl can be large: it is streamed, and only the
// discussions asked for are kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import {
  type Annotation,
  type AnnotationsFile,
  annotatedDiscussion,
  discussionKey,
  mergeAnnotations,
  parseAnnotations,
  serializeAnnotations,
} from '../../protocol/annotations';
import { type TranscriptRecord, validateTranscriptRecord } from '../../protocol/runRecords';
import { writeFileAtomic } from '../io/atomic';

export const ANNOTATIONS_FILE = 'annotations.jsonl';
export const TRANSCRIPTS_FILE = 'transcripts.jsonl';

/** The run's annotations; an absent file is an empty set. Broken lines come back in `broken`. */
export function readAnnotationsFile(runDir: string): AnnotationsFile {
  const file = path.join(runDir, ANNOTATIONS_FILE);
  if (!fs.existsSync(file)) return { annotations: [], broken: [] };
  return parseAnnotations(fs.readFileSync(file, 'utf8'));
}

/**
 * Saves `ours` (what this writer wants) given `base` (what it loaded): the file on disk is read
 * again, our changes since `base` are applied on top of it, and the result replaces it atomically.
 * Returns what was written: the writer's next `base`.
 */
export function saveAnnotations(runDir: string, base: Annotation[], ours: AnnotationsFile): AnnotationsFile {
  const file = path.join(runDir, ANNOTATIONS_FILE);
  return withLock(file, () => {
    const merged = mergeAnnotations(base, ours, readAnnotationsFile(runDir));
    writeFileAtomic(file, serializeAnnotations(merged));
    return merged;
  });
}

// ---- the lock --------------------------------------------------------------------------------
// Rename alone is not enough: two writers that both read before either renames would each drop the
// other's new labels. An exclusive-create lock file serialises read-merge-write; a save takes
// milliseconds, so a lock older than STALE_MS is a crashed writer's and is taken over.

const STALE_MS = 10_000;
const WAIT_MS = 5_000;

function withLock<T>(file: string, body: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + WAIT_MS;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = lockAge(lock);
    if (age !== null && age > STALE_MS) fs.rmSync(lock, { force: true });
    else if (Date.now() > deadline)
      throw new Error(`${lock}: another writer has held it for ${WAIT_MS / 1000} s; remove it if nothing is saving`);
    else sleepSync(5 + Math.random() * 10);
  }
  try {
    return body();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function lockAge(lock: string): number | null {
  try {
    return Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return null; // released meanwhile
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---- transcripts -----------------------------------------------------------------------------

/** A transcripts.jsonl line that is not a valid record: reported and skipped. */
export interface TranscriptProblem {
  /** 1-based line number. */
  line: number;
  problem: string;
}

export interface TranscriptsRead {
  /** By discussionKey; a discussion written twice keeps its last line. */
  byKey: Map<string, TranscriptRecord>;
  problems: TranscriptProblem[];
}

/** Streams RUN/transcripts.jsonl line by line, keeping the discussions `want` accepts (all by default). An absent file reads as empty. */
export async function readTranscripts(runDir: string, want: (key: string) => boolean = () => true): Promise<TranscriptsRead> {
  const file = path.join(runDir, TRANSCRIPTS_FILE);
  const byKey = new Map<string, TranscriptRecord>();
  const problems: TranscriptProblem[] = [];
  if (!fs.existsSync(file)) return { byKey, problems };
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push({ line, problem: 'not JSON' });
      continue;
    }
    const problem = validateTranscriptRecord(value);
    if (problem) {
      problems.push({ line, problem });
      continue;
    }
    const key = discussionKey(value as TranscriptRecord);
    if (want(key)) byKey.set(key, value as TranscriptRecord);
  }
  return { byKey, problems };
}

/** A run's annotations with the transcripts of the annotated discussions. */
export interface AnnotatedRun extends AnnotationsFile {
  transcripts: Map<string, TranscriptRecord>;
  transcriptProblems: TranscriptProblem[];
}

export async function readAnnotatedRun(runDir: string): Promise<AnnotatedRun> {
  const file = readAnnotationsFile(runDir);
  const wanted = new Set(file.annotations.map(annotatedDiscussion));
  const { byKey, problems } = wanted.size
    ? await readTranscripts(runDir, (key) => wanted.has(key))
    : { byKey: new Map(), problems: [] };
  return { ...file, transcripts: byKey, transcriptProblems: problems };
}
