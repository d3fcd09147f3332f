// The extension bundles src/engine/annotations: it must not pull in onnxruntime (or any model code).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

test('src/engine/annotations bundles without onnxruntime or the model code', async () => {
  const r = await esbuild.build({
    entryPoints: [join(__dirname, '../../../src/engine/annotations/index.ts')], bundle: true, write: false, metafile: true,
    platform: 'node', format: 'cjs', logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.deepEqual(inputs.filter((f) => /onnxruntime|engine\/(nn|graph|runtime|generate)\//.test(f)), []);
});
