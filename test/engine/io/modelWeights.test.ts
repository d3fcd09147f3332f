import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../../src/engine/io/errors';
import { ModelWeights, WEIGHTS_INDEX_FILE, writeModelWeights } from '../../../src/engine/io/modelWeights';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-weights-'));
}

const tensors = {
  'model.embed_tokens.weight': { shape: [4, 2], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) },
  'model.layers.0.self_attn.q_proj.weight': { shape: [2, 2], data: new Float32Array([9, 10, 11, 12]) },
  'model.norm.weight': { dtype: 'BF16' as const, shape: [2], data: new Float32Array([1, 0.5]) },
  'lm_head.weight': { shape: [4, 2], data: new Float32Array(8).fill(-1) },
};

test('one file: model.safetensors with HF metadata, read back by name', () => {
  const dir = tmpDir();
  assert.deepEqual(writeModelWeights(dir, tensors), ['model.safetensors']);
  const w = ModelWeights.open(dir);
  assert.deepEqual(w.names(), Object.keys(tensors).sort());
  assert.deepEqual([...w.readAsFloat32('model.layers.0.self_attn.q_proj.weight')], [9, 10, 11, 12]);
  assert.deepEqual([...w.readAsFloat32('model.norm.weight')], [1, 0.5]);
  assert.equal(w.info('model.norm.weight').dtype, 'BF16');
  assert.throws(
    () => w.read('model.layers.1.mlp.up_proj.weight'),
    /no such tensor in the model weights \(tensor "model.layers.1.mlp.up_proj.weight"\)/,
  );
  w.close();
});

test('sharded: model-0000N-of-0000M files plus an index with total_size, loaded transparently', () => {
  const dir = tmpDir();
  const files = writeModelWeights(dir, tensors, { maxShardBytes: 40 });
  assert.deepEqual(files, [
    'model-00001-of-00003.safetensors',
    'model-00002-of-00003.safetensors',
    'model-00003-of-00003.safetensors',
    WEIGHTS_INDEX_FILE,
  ]);
  const index = JSON.parse(fs.readFileSync(path.join(dir, WEIGHTS_INDEX_FILE), 'utf8'));
  assert.equal(index.metadata.total_size, 32 + 16 + 4 + 32);
  assert.equal(index.weight_map['lm_head.weight'], 'model-00001-of-00003.safetensors');
  const w = ModelWeights.open(dir);
  assert.deepEqual(w.names(), Object.keys(tensors).sort());
  assert.deepEqual([...w.readAsFloat32('model.embed_tokens.weight')], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match(w.info('model.norm.weight').file, /model-00003-of-00003\.safetensors$/);
  w.close();
});

test('sharded: an index that disagrees with its shards, or points outside the directory, is refused', () => {
  const dir = tmpDir();
  writeModelWeights(dir, tensors, { maxShardBytes: 40 });
  const indexPath = path.join(dir, WEIGHTS_INDEX_FILE);
  const index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));

  index.weight_map['lm_head.weight'] = 'model-00002-of-00003.safetensors';
  fs.writeFileSync(indexPath, JSON.stringify(index));
  assert.throws(
    () => ModelWeights.open(dir),
    (err: unknown) =>
      err instanceof ModelFileError &&
      /model\.safetensors\.index\.json: weight_map puts the tensor in model-00002-of-00003\.safetensors, which does not hold it \(tensor "lm_head.weight"\)/.test(
        err.message,
      ),
  );

  index.weight_map['lm_head.weight'] = '../../etc/passwd';
  fs.writeFileSync(indexPath, JSON.stringify(index));
  assert.throws(
    () => ModelWeights.open(dir),
    /weight_map\.lm_head\.weight: "\.\.\/\.\.\/etc\/passwd" is not a file name in the model directory/,
  );

  fs.writeFileSync(indexPath, '{"weight_map": [');
  assert.throws(() => ModelWeights.open(dir), /model\.safetensors\.index\.json: not valid JSON/);

  fs.writeFileSync(indexPath, '{"metadata": {}}');
  assert.throws(() => ModelWeights.open(dir), /weight_map: expected an object/);

  fs.rmSync(path.join(dir, 'model-00002-of-00003.safetensors'));
  index.weight_map['lm_head.weight'] = 'model-00001-of-00003.safetensors';
  fs.writeFileSync(indexPath, JSON.stringify(index));
  assert.throws(() => ModelWeights.open(dir), /model-00002-of-00003\.safetensors: cannot open \(ENOENT\)/);
});

test('a directory without weights says which files it looked for', () => {
  assert.throws(() => ModelWeights.open(tmpDir()), /neither model\.safetensors nor model\.safetensors\.index\.json found/);
});
