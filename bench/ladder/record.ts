// A ladder run's result as a committed file (docs/results.md: every number comes with its data):
// docs/experiments/ladder/rung-R-seed-S.json, or rung-R-seed-S-TAG.json for a run with --tag, so
// runs of other settings do not overwrite each other. The command line that made it is kept beside
// the result: a RungResult alone does not say which recipe it measured.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RungResult } from './rung';

/** Where ladder results are committed, relative to the repository root (npm run ladder's cwd). */
export const LADDER_DIR = path.join('docs', 'experiments', 'ladder');

export interface RungRecord extends RungResult {
  /** The ladder's command-line arguments (`--rung=3 --iterations=160 ...`), in order. */
  args: string[];
  finishedAt: string;
}

export function rungFile(dir: string, rung: number, seed: number, tag?: string): string {
  return path.join(dir, `rung-${rung}-seed-${seed}${tag ? `-${tag}` : ''}.json`);
}

/** Writes the record whole or not at all (a temporary name, then a rename); returns its path. */
export function writeRungRecord(dir: string, r: RungResult, args: string[], tag?: string): string {
  const file = rungFile(dir, r.rung, r.seed, tag);
  const record: RungRecord = { ...r, args, finishedAt: new Date().toISOString() };
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`; // two runs of one rung and seed do not share a temporary
  fs.writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  fs.renameSync(tmp, file);
  return file;
}
