// The model a WebGPU session gets (runtime/providerModels.ts): LogSoftmax written out as ReduceMax,
// Sub, Exp, ReduceSum, Log, Sub computes what ORT's fused kernel computes, on any axis and for rows
// whose log-probabilities span hundreds of units (the max shift keeps exp from overflowing or
// flushing every term to zero); other providers get the bytes unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { grad } from '../../../src/engine/graph/autodiff';
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

test('for WebGPU, the float64 prefix sums of an embedding gradient become float32 and give the same gradient', async () => {
  const g = new Graph('embedding_grad');
  const table = g.input('x', 'float32', [3, 4]);
  const ids = g.constant([2, 0, 2, -1, 1], 'int64');
  g.output('y', grad(F.sumAll(F.mul(F.gather(table, ids), F.gather(table, ids))), [table])[0]);
  const model = serialize(g);
  const nodes = onnx.ModelProto.decode(modelFor('webgpu', model)).graph!.node!;
  const float64 = nodes.filter((n) => n.attribute?.some((a) => (a.name === 'to' && Number(a.i) === 11) || a.t?.dataType === 11));
  assert.deepEqual(float64, [], 'no float64 casts or constants left');
  assert.ok(
    nodes.some((n) => n.opType === 'CumSum'),
    'the prefix sums are still there',
  );
  const x = Float32Array.from([0.5, -1, 2, 3, 4, -3, 0, 1, -1e-3, 1e-3, 0, 8.5]);
  const [want, got] = [await run(model, x), await run(modelFor('webgpu', model), x)];
  // Row 2 is looked up three times (2 and -1): d/dx of Σ x² over lookups = 2 · count · x.
  assert.deepEqual(
    Array.from(want),
    Array.from(x)
      .map((v, i) => 2 * [1, 1, 3][Math.floor(i / 4)] * v)
      .map(Math.fround),
  );
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])));
});
