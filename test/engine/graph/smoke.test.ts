import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { grad } from '../../../src/engine/graph/autodiff';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { f32 } from '../../../src/engine/runtime/tensors';

test('a tiny graph with a gradient runs in ORT and matches the hand-computed value', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 2]);
  const w = g.input('w', 'float32', [2, 1]);
  const loss = F.sumAll(F.matmul(x, w)); // sum_b (x_b . w)
  const [dw] = grad(loss, [w]);
  g.output('loss', loss);
  g.output('dw', dw);
  const s = await Session.create(serialize(g));
  const out = await s.run({ x: f32([1, 2, 3, 4, 5, 6], [3, 2]), w: f32([0.5, -1], [2, 1]) });
  assert.deepEqual(Array.from(dataOf(out.loss, 'float32')), [(1 + 3 + 5) * 0.5 - (2 + 4 + 6)]);
  assert.deepEqual(Array.from(dataOf(out.dw, 'float32')), [9, 12]);
});
