// The fixture policy: a missing shared fixture FAILS the tests that need it, with a message naming
// it, instead of skipping them (a suite that passes without its real-data checks says nothing).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '../..');

for (const file of ['test/engine/io/tokenizer.test.ts', 'test/engine/tasks/loaders.test.ts']) {
  test(`${file} fails, naming the fixture, when the fixtures are missing`, () => {
    const empty = fs.mkdtempSync(path.join(tmpdir(), 'maporl-no-fixtures-'));
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of stdout.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...env, MAPORL_FIXTURES: empty },
    });
    fs.rmSync(empty, { recursive: true });
    assert.notEqual(r.status, 0, 'the suite must not pass without its fixtures');
    assert.match(r.stdout, /^# skipped 0$/m);
    assert.match(r.stdout, new RegExp(`test fixture missing: ${empty}/`));
  });
}
