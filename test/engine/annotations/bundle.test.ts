// The extension bundles src/engine/annotations: it must not pull in onnxruntime (or any model code).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const DIR = join(__dirname, '../../../src/engine/annotations');

test('every module of src/engine/annotations bundles without onnxruntime or the model code', async () => {
  const r = await esbuild.build({
    entryPoints: readdirSync(DIR)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(DIR, f)),
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'out', // not written: write is false
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.deepEqual(
    inputs.filter((f) => /onnxruntime|engine\/(nn|graph|runtime|generate)\//.test(f)),
    [],
  );
});
