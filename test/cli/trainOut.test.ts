// `maporl train CONFIG --out RUN` never writes into a folder that holds something else: a non-empty
// RUN without --force is bad usage (exit 2, one line naming it), and nothing in it is touched.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { maporl } from './run';

test('train into a non-empty folder without --force: exit 2, one line, the folder untouched', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-out-'));
  try {
    const config = path.join(dir, 'x.maporl.json');
    fs.writeFileSync(config, JSON.stringify({ training: { mode: 'none' }, verifier: { type: 'ground-truth' } }));
    const out = path.join(dir, 'run');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const r = maporl(['train', config, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /run directory exists and is not empty/);
    assert.ok(r.stderr.includes(out));
    assert.deepEqual(fs.readdirSync(out), ['notes.txt']);
    assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
