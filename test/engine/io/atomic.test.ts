import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  appendJsonl,
  isTempPath,
  listComplete,
  readJsonl,
  readJsonlLines,
  removeDirAtomic,
  removeStaleTemps,
  tempPathFor,
  writeDirAtomic,
  writeFileAtomic,
} from '../../../src/engine/io/atomic';
import { DataFileError } from '../../../src/engine/io/errors';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-atomic-'));
}

test('writeFileAtomic replaces the file and leaves no temp file behind', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'sub', 'a.json');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, Buffer.from('two'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'two');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['a.json']);
});

test('temp names are recognised as unfinished writes, real names are not', () => {
  assert.ok(isTempPath(path.basename(tempPathFor('/x/step-000010'))));
  assert.ok(!isTempPath('step-000010'));
  assert.ok(!isTempPath('model.tmp'));
});

test('writeDirAtomic: the directory appears complete, and a failing fill leaves nothing', async () => {
  const root = tmpDir();
  const final = path.join(root, 'checkpoints', 'step-000001');
  await writeDirAtomic(final, async (tmp) => {
    assert.notEqual(tmp, final);
    assert.ok(!fs.existsSync(final), 'the final name must not exist while filling');
    fs.writeFileSync(path.join(tmp, 'config.json'), '{}');
    fs.mkdirSync(path.join(tmp, 'agent0'));
    fs.writeFileSync(path.join(tmp, 'agent0', 'w.bin'), 'x');
  });
  assert.deepEqual(fs.readdirSync(final).sort(), ['agent0', 'config.json']);
  assert.deepEqual(fs.readdirSync(path.dirname(final)), ['step-000001']);

  const failed = path.join(root, 'checkpoints', 'step-000002');
  await assert.rejects(
    writeDirAtomic(failed, async (tmp) => {
      fs.writeFileSync(path.join(tmp, 'half'), 'x');
      throw new Error('disk full');
    }),
    /disk full/,
  );
  assert.deepEqual(fs.readdirSync(path.dirname(final)), ['step-000001']);
  assert.deepEqual(listComplete(path.dirname(final)), ['step-000001']);

  await assert.rejects(
    writeDirAtomic(final, () => {}),
    /already exists/,
  );
  await writeDirAtomic(final, (tmp) => fs.writeFileSync(path.join(tmp, 'new'), 'y'), { overwrite: true });
  assert.deepEqual(fs.readdirSync(final), ['new']);
  assert.deepEqual(fs.readdirSync(path.dirname(final)), ['step-000001']);
});

test('a writer killed mid-directory leaves only a temp dir, which readers skip and cleanup removes', () => {
  const root = tmpDir();
  const final = path.join(root, 'step-000005');
  // A child process starts an atomic directory write and dies (SIGKILL) in the middle of it.
  const script = `
    const { writeDirAtomic } = require(${JSON.stringify(path.resolve('src/engine/io/atomic.ts'))});
    const fs = require('node:fs'), path = require('node:path');
    writeDirAtomic(${JSON.stringify(final)}, async (tmp) => {
      fs.writeFileSync(path.join(tmp, 'model.safetensors'), 'partial');
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  assert.ok(!fs.existsSync(final), 'the final directory must not exist after a crash');
  const left = fs.readdirSync(root);
  assert.equal(left.length, 1);
  assert.ok(isTempPath(left[0]!), `leftover ${left[0]} must be recognisable as unfinished`);
  assert.deepEqual(listComplete(root), []);
  assert.deepEqual(removeStaleTemps(root), left);
  assert.deepEqual(fs.readdirSync(root), []);
});

test('appendJsonl writes one line per call; readJsonl gives values with line numbers', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  appendJsonl(file, { type: 'status', step: 0 });
  appendJsonl(file, { type: 'metrics', step: 1, text: 'a\nb' });
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').length, 3);
  assert.deepEqual(readJsonl(file), [
    { type: 'status', step: 0 },
    { type: 'metrics', step: 1, text: 'a\nb' },
  ]);
  assert.deepEqual(
    readJsonlLines(file).map((l) => l.line),
    [1, 2],
  );
  assert.throws(() => appendJsonl(file, undefined), /no JSON form/);
});

test('readJsonl tolerates a truncated last line (a crashed writer) and blank lines', () => {
  const file = path.join(tmpDir(), 't.jsonl');
  fs.writeFileSync(file, '{"a":1}\n\n{"a":2}\n{"a":3, "b": [1, 2');
  const tails: number[] = [];
  assert.deepEqual(readJsonl(file, { onTruncatedTail: (line) => tails.push(line) }), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(tails, [4]);
});

test('readJsonl reports an invalid line as <file>:<line>: <problem>, or skips it when asked', () => {
  const file = path.join(tmpDir(), 'bad.jsonl');
  fs.writeFileSync(file, '{"a":1}\n{oops}\n{"a":3}\n');
  assert.throws(
    () => readJsonl(file),
    (err: unknown) => {
      assert.ok(err instanceof DataFileError);
      assert.equal(err.line, 2);
      assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON`));
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
  assert.deepEqual(readJsonl(file, { onInvalid: 'skip' }), [{ a: 1 }, { a: 3 }]);
  const seen: string[] = [];
  assert.deepEqual(readJsonl(file, { onInvalid: (e) => seen.push(e.message) }), [{ a: 1 }, { a: 3 }]);
  assert.equal(seen.length, 1);
});

test('removeDirAtomic: the directory leaves its name at once; a remover that dies leaves only a temp', () => {
  const root = tmpDir();
  const dir = path.join(root, 'step-000002');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'manifest.json'), '{}');
  const nodeFs = require('node:fs') as typeof fs; // the module object itself (this file's `fs` is a read-only namespace)
  const rm = nodeFs.rmSync;
  nodeFs.rmSync = () => {
    throw new Error('killed');
  }; // the process dies once the rename is done
  try {
    assert.throws(() => removeDirAtomic(dir), /killed/);
  } finally {
    nodeFs.rmSync = rm;
  }
  assert.ok(!fs.existsSync(dir), 'never seen half-removed under its name');
  assert.deepEqual(listComplete(root), []);
  assert.equal(removeStaleTemps(root).length, 1);
  removeDirAtomic(dir); // absent: nothing to do
});
