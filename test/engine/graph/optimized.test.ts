// ORT rewrites graphs at session creation (constant folding, transpose pushing, fusions). These
// tests run gradient graphs with optimizations off and fully on and demand the same numbers: an
// emitted pattern that an optimizer mishandles shows up here rather than inside a model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../../src/engine/graph/autodiff';
import type { HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph, type Tensor } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { f32, toNumbers } from '../../../src/engine/runtime/tensors';
import { checkVjp } from '../../helpers/fd';
import { rng, uniform } from '../../helpers/rng';

async function gradBothWays(shape: number[], fn: (x: Tensor) => Tensor): Promise<[number[], number[]]> {
  const g = new Graph('optimized');
  const x = g.input('x', 'float32', shape);
  const y = fn(x);
  const [dx] = grad(F.sumAll(F.mul(y, y)), [x]);
  g.output('dx', dx);
  const n = shape.reduce((a, b) => a * b, 1);
  const feeds: Record<string, HostTensor> = { x: f32(uniform(rng(3), n), shape) };
  const results: number[][] = [];
  for (const level of ['disabled', 'all'] as const) {
    const s = await Session.create(serialize(g), { threads: 1, graphOptimization: level });
    results.push(toNumbers((await s.run(feeds)).dx));
    await s.release();
  }
  return results as [number[], number[]];
}

test('the VJP of a slice after a transpose (RoPE rotate_half on heads) survives ORT optimizations', async () => {
  // Regression: Pad with opset 18's `axes` input was permuted by ORT's transpose optimizer as if
  // `pads` covered every axis, and the session failed at run time with an out-of-bounds Gather.
  const [plain, optimized] = await gradBothWays([2, 3, 4, 6], (x) => F.rotateHalf(F.transpose(x, [0, 2, 1, 3])));
  assert.deepEqual(optimized, plain);
  assert.ok(plain.some((v) => v !== 0));
});

test('the VJP of concat and slice on a middle axis after a transpose survives ORT optimizations', async () => {
  const [plain, optimized] = await gradBothWays([3, 5, 4], (x) => {
    const t = F.transpose(x, [2, 0, 1]); // [4, 3, 5]
    return F.concat([F.slice(t, 1, 1, 3), F.mul(F.slice(t, 1, 0, 1), 2)], 1); // [4, 3, 5], rows rotated
  });
  assert.deepEqual(optimized, plain);
});

test('the weight gradient of a linear layer (a materialized transpose) is the same with and without ORT optimizations', async () => {
  const rows = uniform(rng(5), 2 * 3 * 4);
  const [plain, optimized] = await gradBothWays([6, 4], (w) => {
    const x = w.graph.constant(rows, 'float32', [2, 3, 4]);
    return F.linear(x, w); // [2, 3, 6]; d/dw goes through MatMul's weight branch
  });
  assert.deepEqual(optimized, plain);
  assert.ok(plain.some((v) => v !== 0));
});

test('VJP of transposeCopy matches central differences (float64)', async () => {
  const r = await checkVjp(([a]) => F.transposeCopy(a), [{ shape: [3, 5] }]);
  assert.ok(r.maxRelError < 1e-6, `max relative error ${r.maxRelError.toExponential(2)}`);
});
