import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { f32 } from '../../../src/engine/runtime/tensors';

function doubler(): Uint8Array {
  const g = new Graph('doubler');
  g.output('y', F.mul(g.input('x', 'float32', ['N']), 2));
  return serialize(g);
}

for (const ep of ['cuda', 'webgpu'] as const) {
  test(`asking for ${ep} gives ${ep}, or CPU with a one-line message naming it`, async () => {
    const messages: string[] = [];
    const s = await Session.create(doubler(), { executionProvider: ep, onFallback: (m) => messages.push(m) });
    if (s.provider === 'cpu') {
      assert.equal(messages.length, 1);
      assert.match(messages[0], new RegExp(`execution provider "${ep}" is not available .*; using CPU$`));
      assert.ok(!messages[0].includes('\n'));
    } else {
      assert.equal(s.provider, ep);
    }
    const out = await s.run({ x: f32([1, 2, 3], [3]) });
    assert.deepEqual(Array.from(dataOf(out.y, 'float32')), [2, 4, 6]);
    await s.release();
  });
}

test('a model ORT cannot load is a clear error', async () => {
  await assert.rejects(Session.create(new Uint8Array([1, 2, 3])), /ONNX Runtime could not load the model/);
});
