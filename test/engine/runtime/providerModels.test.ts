// The model a WebGPU session gets (runtime/providerModels.ts): LogSoftmax written out as ReduceMax,
// Sub, Exp, ReduceSum, Log, Sub computes what ORT's fused kernel computes, on any axis and for rows
// whose log-probabilities span hundreds of units (the max shift keeps exp from overflowing or
// flushing every term to zero); other providers get the bytes unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { modelFor } from '../../../src/engine/runtime/providerModels';

function logSoftmaxModel(axis: number): Uint8Array {
  const g = new Graph('lsm');
  g.output('y', F.logSoftmax(g.input('x', 'float32', [3, 4]), axis));
  return serialize(g);
}

async function run(model: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const { y } = await s.run({ x: new ort.Tensor('float32', x, [3, 4]) });
  await s.release();
  return y.data as Float32Array;
}

test('for WebGPU, LogSoftmax becomes ops the provider has and computes the same values', async () => {
  const x = Float32Array.from([0.5, -1, 2, 3, 400, -300, 0, 1, -1e-3, 1e-3, 0, 88.5]);
  for (const axis of [-1, 0, 1]) {
    const model = logSoftmaxModel(axis);
    assert.equal(modelFor('cpu', model), model, 'the CPU keeps the fused kernel');
    const rewritten = modelFor('webgpu', model);
    const ops = onnx.ModelProto.decode(rewritten).graph!.node!.map((n) => n.opType);
    assert.deepEqual(ops, ['ReduceMax', 'Sub', 'Exp', 'ReduceSum', 'Log', 'Sub']);
    const [want, got] = [await run(model, x), await run(rewritten, x)];
    for (let i = 0; i < want.length; i++)
      assert.ok(
        Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])),
        `axis ${axis}, [${i}]: ${got[i]} vs ${want[i]}`,
      );
  }
});

test('a model without LogSoftmax reaches WebGPU unchanged (not even re-encoded)', () => {
  const g = new Graph('exp');
  g.output('y', F.exp(g.input('x', 'float32', [2])));
  const model = serialize(g);
  assert.equal(modelFor('webgpu', model), model);
});
