// comparisons/<key>/ holds result.json and side-<i>.transcripts.jsonl. The key hashes everything
// that decides the outcome, so the same comparison asked again is read back instead of recomputed;
// the directory is written under a temporary name and renamed, so a reader never sees half of one.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RESULT_FILE, validateComparisonResult, type ComparisonResult } from '../../protocol/comparison';
import type { TranscriptRecord } from '../../protocol/runRecords';
import { writeDirAtomic } from '../io/atomic';
import type { PromptOptions } from '../maporl/discussion';

export const transcriptsFile = (side: number) => `side-${side}.transcripts.jsonl`;

/** What decides a comparison's outcome. */
export interface ComparisonKeyInput {
  sides: {
    path: string;
    step: number | null;
    /** The side's weights and config as they are now (SideLocation.content). */
    content: string;
    agents: number;
    turns: number;
    generation: ComparisonResult['sides'][number]['generation'];
    prompt: PromptOptions;
  }[];
  task: string;
  /** The data file and a digest of its contents (the same path may later hold other questions). */
  data: { path: string; sha256: string } | null;
  questions: number;
  seed: number;
  bootstrap: ComparisonResult['bootstrap'];
}

export function comparisonKey(input: ComparisonKeyInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The saved result in `dir`, or null when there is none or it no longer validates (then it is recomputed). */
export function readSavedComparison(dir: string): ComparisonResult | null {
  const file = path.join(dir, RESULT_FILE);
  if (!fs.existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const complete =
    validateComparisonResult(value) === null &&
    (value as ComparisonResult).sides.every((s) => fs.existsSync(path.join(dir, s.transcripts)));
  return complete ? (value as ComparisonResult) : null;
}

/**
 * Writes `dir` whole: result.json and one transcripts file per side. An older copy is replaced when
 * `force` is set or when it does not read back; a complete copy that a concurrent `compare` of the
 * same key saved first is kept, and returned in place of this one (the loser uses the winner's).
 */
export async function saveComparison(
  dir: string,
  result: ComparisonResult,
  transcripts: readonly TranscriptRecord[][],
  force = false,
): Promise<ComparisonResult> {
  let winner: ComparisonResult | null = null;
  const kept = !(await writeDirAtomic(
    dir,
    (tmp) => {
      transcripts.forEach((records, i) => {
        fs.writeFileSync(path.join(tmp, transcriptsFile(i)), records.map((r) => JSON.stringify(r) + '\n').join(''));
      });
      fs.writeFileSync(path.join(tmp, RESULT_FILE), JSON.stringify(result, null, 2) + '\n');
    },
    { overwrite: true, keepExisting: (d) => !force && (winner = readSavedComparison(d)) !== null },
  ));
  return kept && winner ? winner : result;
}
