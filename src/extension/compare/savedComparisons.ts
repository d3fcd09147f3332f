// Comparisons of these sides saved earlier by `maporl compare` (RUN/comparisons/<key>/, written under
// the first side's run: docs/design.md), read back so that a reopened panel shows them without
// recomputing, and the discussions of one question on every side. Only files inside the runs folders
// are read (readGuarded). Node fs only, no vscode.
import { readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CompareSideView, SavedComparison } from '../../protocol/compareView';
import { RESULT_FILE, validateComparisonResult, type ComparisonResult } from '../../protocol/comparison';
import { isTranscriptRecord, type TranscriptRecord } from '../../protocol/runRecords';
import { RUN_FILES } from '../runData/runDirectory';
import { readGuarded } from './sides';

const realOr = (p: string) => {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
};

export interface SavedResult {
  dir: string;
  result: ComparisonResult;
}

/** The folder `maporl compare` writes a comparison of these sides to. */
export const comparisonDir = (sides: readonly CompareSideView[], key: string) =>
  join(sides[0].runDir, RUN_FILES.comparisons, key);

/** The saved result in `dir` if it validates, is complete and compares exactly these sides in this order. */
export function readSavedResult(
  dir: string,
  sides: readonly CompareSideView[],
  runsFolders: readonly string[],
): ComparisonResult | null {
  const text = readGuarded(join(dir, RESULT_FILE), runsFolders);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (validateComparisonResult(value) !== null) return null;
  const result = value as ComparisonResult;
  const same =
    result.sides.length === sides.length &&
    result.sides.every((s, i) => s.kind === 'checkpoint' && realOr(s.path) === sides[i].path);
  return same ? result : null;
}

/** Every saved comparison of exactly these sides, newest first. */
export function savedResults(sides: readonly CompareSideView[], runsFolders: readonly string[]): SavedResult[] {
  const root = join(sides[0].runDir, RUN_FILES.comparisons);
  let keys: string[];
  try {
    keys = readdirSync(root).filter((k) => /^[0-9a-f]+$/.test(k)); // temporary names of writes in flight are skipped
  } catch {
    return [];
  }
  return keys
    .flatMap((key) => {
      const dir = join(root, key);
      const result = readSavedResult(dir, sides, runsFolders);
      return result ? [{ dir, result }] : [];
    })
    .sort((a, b) => b.result.createdAt.localeCompare(a.result.createdAt));
}

export function summaryOf(r: ComparisonResult): SavedComparison {
  return { key: r.key, createdAt: r.createdAt, task: r.task, data: r.data, questions: r.questions, seed: r.seed };
}

/** A side's transcripts file of a saved comparison (its name from result.json, kept to a bare file name). */
export function sideTranscriptsFile(dir: string, result: ComparisonResult, side: number): string | null {
  const name = result.sides[side]?.transcripts;
  return name && basename(name) === name ? join(dir, name) : null;
}

/** The record at a 1-based line of each side's transcripts file; null where missing or not a record. */
export function discussionAt(
  dir: string,
  result: ComparisonResult,
  line: number,
  runsFolders: readonly string[],
): (TranscriptRecord | null)[] {
  return result.sides.map((_, i) => {
    const file = sideTranscriptsFile(dir, result, i);
    const text = file ? readGuarded(file, runsFolders) : null;
    const raw = text?.split('\n')[line - 1];
    if (!raw) return null;
    try {
      const record: unknown = JSON.parse(raw);
      return isTranscriptRecord(record) ? record : null;
    } catch {
      return null;
    }
  });
}
