// `maporl sweep` on inputs and timings its run tests do not cover: a second sweep on a directory
// another sweep holds is refused before it reads or writes anything (one lock per sweep directory);
// a truncated sweep.json is named with its line, not called "no sweep.json"; a grid key that would
// reach Object.prototype is refused by name. No run is trained here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { acquireRunLock } from '../../src/engine/io/runLock';
import { assertBadInput, maporl } from './run';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-sweep-guards-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function sweepFile(name: string, body: Record<string, unknown>): string {
  fs.writeFileSync(
    path.join(root, 'base.maporl.json'),
    JSON.stringify({ name: 'guards', training: { mode: 'none' }, verifier: { type: 'ground-truth' }, eval: { questions: 2 } }),
  );
  const file = path.join(root, `${name}.sweep.json`);
  fs.writeFileSync(file, JSON.stringify({ base: 'base.maporl.json', ...body }));
  return file;
}

test('a sweep directory another sweep holds: exit 2 naming its pid, nothing read or written', () => {
  const dir = path.join(root, 'held');
  const lock = acquireRunLock(dir); // this process stands for the sweep that runs it
  try {
    const file = sweepFile('held', { grid: { seed: [0, 1] } });
    assertBadInput(maporl(['sweep', file, '--out', dir]), new RegExp(`pid ${process.pid}`), 'second sweep');
    assert.deepEqual(fs.readdirSync(dir), ['.lock'], 'no plan, no jobs, no run');
    assert.equal(maporl(['sweep', file, '--out', dir, '--dry-run']).code, 0, 'a dry run only reads');
  } finally {
    lock.release();
  }
});

test('sweep status and report on a truncated sweep.json: exit 2, one line naming the file and line', () => {
  const dir = path.join(root, 'truncated');
  fs.mkdirSync(dir);
  const plan = JSON.stringify({ name: 'x', runs: [{ index: 0, name: 'base__seed-0' }] }, null, 2);
  fs.writeFileSync(path.join(dir, 'sweep.json'), plan.slice(0, plan.length - 20));
  for (const sub of ['status', 'report'])
    assertBadInput(maporl(['sweep', sub, dir]), /sweep\.json:\d+: damaged sweep plan, not valid JSON/, sub);
  assertBadInput(maporl(['sweep', 'cancel', dir]), /sweep\.json:\d+: damaged sweep plan/, 'cancel');
});

test('a grid key through __proto__ is refused by name (exit 2), the sweep directory not made', () => {
  const dir = path.join(root, 'proto');
  const file = sweepFile('proto', { grid: { '__proto__.x': [1] } });
  assertBadInput(maporl(['sweep', file, '--out', dir]), /grid.*"__proto__\.x": "__proto__" is not a config key/, '__proto__');
  assert.ok(!fs.existsSync(dir));
  // A bare "__proto__" key, which the schema alone would drop without a word.
  const bare = sweepFile('bare', { list: [JSON.parse('{"__proto__": {"x": 1}}')] });
  fs.writeFileSync(bare, '{"base": "base.maporl.json", "list": [{"__proto__": {"x": 1}}]}');
  assertBadInput(
    maporl(['sweep', bare, '--out', dir, '--dry-run']),
    /list\[0\]\.__proto__: "__proto__": "__proto__" is not a config key/,
    'list',
  );
  fs.writeFileSync(bare, '{"base": "base.maporl.json", "grid": {"__proto__": [{"x": 1}]}}');
  assertBadInput(maporl(['sweep', bare, '--out', dir, '--dry-run']), /grid\.__proto__: /, 'grid');
});
