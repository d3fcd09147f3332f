// The checkpoint layout SFT and MAPoRL share: which directories count as checkpoints, in step order,
// and AdamW moments written and read back bit for bit, checked against the parameters' shapes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { tempPathFor } from '../../../src/engine/io/atomic';
import {
  checkpointName,
  completeCheckpoints,
  latestCheckpoint,
  readAdamMoments,
  writeAdamMoments,
} from '../../../src/engine/io/checkpoints';
import { ModelFileError } from '../../../src/engine/io/errors';

const root = mkdtempSync(join(tmpdir(), 'maporl-checkpoints-'));
after(() => rmSync(root, { recursive: true, force: true }));

function fakeCheckpoint(dir: string, withState = true): void {
  mkdirSync(dir, { recursive: true });
  if (withState) writeFileSync(join(dir, 'trainer_state.json'), '{}');
}

test('complete checkpoints: step-NNNNNN with trainer_state.json, not temporaries, in step order', () => {
  const dir = join(root, 'list');
  assert.deepEqual(completeCheckpoints(dir), [], 'no folder: none');
  assert.equal(latestCheckpoint(dir), null);
  for (const step of [2, 10, 1000000]) fakeCheckpoint(join(dir, checkpointName(step)));
  fakeCheckpoint(join(dir, 'step-000003'), false); // a directory that never got its state
  fakeCheckpoint(tempPathFor(join(dir, checkpointName(11)))); // an unfinished write
  fakeCheckpoint(join(dir, 'other'));
  assert.equal(checkpointName(120), 'step-000120');
  assert.deepEqual(completeCheckpoints(dir), ['step-000002', 'step-000010', 'step-1000000']);
  assert.equal(latestCheckpoint(dir), join(dir, 'step-1000000'));
});

test('AdamW moments round-trip with metadata; with parameters given, a missing or misshapen moment names the tensor', () => {
  const file = join(root, 'optimizer.safetensors');
  const t = (...xs: number[]) => ({ dtype: 'float32' as const, shape: [xs.length], data: Float32Array.from(xs) });
  writeAdamMoments(file, { m: { a: t(1, 2), b: t(3) }, v: { a: t(4, 5), b: t(6) } }, { step: '7' });
  const all = readAdamMoments(file);
  assert.deepEqual(all.metadata, { step: '7' });
  assert.deepEqual(Array.from(dataOf(all.m.a, 'float32')), [1, 2]);
  assert.deepEqual(Array.from(dataOf(all.v.b, 'float32')), [6]);
  const some = readAdamMoments(file, { a: { shape: [2] } });
  assert.deepEqual(Object.keys(some.m), ['a'], 'only the parameters asked for');
  assert.throws(
    () => readAdamMoments(file, { c: { shape: [1] } }),
    (e) => e instanceof ModelFileError && /missing tensor/.test(e.message) && /m\.c/.test(e.message),
  );
  assert.throws(
    () => readAdamMoments(file, { a: { shape: [3] } }),
    (e) => e instanceof ModelFileError && /expected F32 \[3\], got F32 \[2\]/.test(e.message),
  );
});
