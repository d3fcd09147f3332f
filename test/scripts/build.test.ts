// scripts/build.mjs fails loudly, naming the entry point, when one is missing (instead of skipping it
// and leaving its bundle stale while the build reports success).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '../..');

test('a missing entry point fails the build with a message naming it', () => {
  // A checkout with the build script and its packages but no sources.
  const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-build-'));
  fs.mkdirSync(path.join(root, 'scripts'));
  for (const f of ['build.mjs', 'gen-schema.mjs']) fs.copyFileSync(path.join(REPO, 'scripts', f), path.join(root, 'scripts', f));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
  fs.rmSync(root, { recursive: true, force: true });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^build: missing entry points src\/cli\/main\.ts, .*webview\/dashboard\/main\.ts/m);
});
