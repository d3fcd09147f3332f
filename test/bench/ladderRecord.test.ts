// The ladder's committed results (bench/ladder/record.ts): one file per rung, seed and tag, written
// whole (no temporary left behind), holding the RungResult and the command line that made it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { rungFile, writeRungRecord, type RungRecord } from '../../bench/ladder/record';
import type { RungResult } from '../../bench/ladder/rung';

const RESULT: RungResult = {
  rung: 3,
  seed: 1,
  before: [0.61, 0.62],
  after: [0.64, 0.66],
  beforeByTurn: [0.6, 0.5, 0.615],
  afterByTurn: [0.63, 0.6, 0.65],
  trainReward: [0.5, 0.55],
  seconds: 12.5,
};

test('a rung result is written to rung-R-seed-S.json with its arguments, and read back whole', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-ladder-record-')), 'ladder');
  try {
    const args = ['--rung=3', '--seeds=1', '--iterations=160'];
    const file = writeRungRecord(dir, RESULT, args);
    assert.equal(file, path.join(dir, 'rung-3-seed-1.json'));
    const back = JSON.parse(fs.readFileSync(file, 'utf8')) as RungRecord;
    const { args: backArgs, finishedAt, ...result } = back;
    assert.deepEqual(result, RESULT);
    assert.deepEqual(backArgs, args);
    assert.ok(!Number.isNaN(Date.parse(finishedAt)));
    assert.deepEqual(fs.readdirSync(dir), ['rung-3-seed-1.json'], 'no temporary is left beside the result');
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('a tagged run gets its own file, so runs of other settings do not overwrite each other', () => {
  assert.equal(rungFile('d', 3, 0, 'show-text'), path.join('d', 'rung-3-seed-0-show-text.json'));
  assert.equal(rungFile('d', 3, 0), path.join('d', 'rung-3-seed-0.json'));
});
