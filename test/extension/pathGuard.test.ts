// The path guard: a webview or a run may only make the host open existing files inside the allowed
// roots, whatever `..` or symbolic links say.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { guardFile, isWithin } from '../../src/extension/security/pathGuard';

function layout() {
  const root = mkdtempSync(join(tmpdir(), 'maporl-guard-'));
  const ws = join(root, 'ws'),
    outside = join(root, 'outside');
  mkdirSync(join(ws, 'data'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(ws, 'data', 'train.jsonl'), '{}\n');
  writeFileSync(join(outside, 'secret.txt'), 'x');
  symlinkSync(join(outside, 'secret.txt'), join(ws, 'data', 'link.txt'));
  return { ws, outside };
}

test('isWithin compares whole path segments', () => {
  assert.equal(isWithin('/a/b', '/a/b/c'), true);
  assert.equal(isWithin('/a/b', '/a/b'), true);
  assert.equal(isWithin('/a/b', '/a/bc'), false);
  assert.equal(isWithin('/a/b', '/a'), false);
});

test('relative and absolute paths inside the workspace are allowed', () => {
  const { ws } = layout();
  const rel = guardFile('data/train.jsonl', [ws], [ws]);
  assert.equal(rel.ok, true);
  assert.equal(guardFile(join(ws, 'data', 'train.jsonl'), [ws], [ws]).ok, true);
});

test('.., absolute paths outside, symlinks out, directories and missing files are refused', () => {
  const { ws, outside } = layout();
  const refused = (p: string) => {
    const r = guardFile(p, [ws], [ws]);
    assert.equal(r.ok, false, p);
    return r.ok ? '' : r.reason;
  };
  assert.match(refused('../outside/secret.txt'), /outside the workspace/);
  assert.match(refused(join(outside, 'secret.txt')), /outside the workspace/);
  assert.match(refused('data/link.txt'), /outside the workspace/);
  assert.match(refused('data'), /not a file/);
  assert.match(refused('data/missing.jsonl'), /no such file/);
  assert.match(refused('bad\0path'), /invalid/);
});
