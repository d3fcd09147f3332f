import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { f32 } from '../../../src/engine/runtime/tensors';

// onnxruntime-node 1.30's run() calls the native session synchronously inside a setImmediate
// (dist/backend.js), so two sessions' runs in one process cannot overlap: Promise.all over two
// policies' updates gains nothing (docs/performance.md, "Concurrent per-agent updates"): they run
// side by side in worker threads instead (maporl/ppo/updateWorker.ts). If this fails, run() has
// moved off the JS thread, and Promise.all in one thread could do what the workers do.
test('Session.run blocks the JS thread: a 1 ms timer barely ticks while two runs started together execute', async () => {
  const N = 256;
  const g = new Graph();
  let x = g.input('x', 'float32', [N, N]);
  const w = g.input('w', 'float32', [N, N]);
  for (let i = 0; i < 30; i++) x = F.tanh(F.matmul(x, w)); // [N, N], ~1 GFLOP a run
  g.output('y', x);
  const bytes = serialize(g);
  const [a, b] = await Promise.all([Session.create(bytes, { threads: 1 }), Session.create(bytes, { threads: 1 })]);
  const v = Array.from({ length: N * N }, (_, i) => Math.sin(i) * 0.05);
  const feeds = { x: f32(v, [N, N]), w: f32(v, [N, N]) };
  await Promise.all([a.run(feeds), b.run(feeds)]); // warm-up

  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const t0 = performance.now();
  await Promise.all([a.run(feeds), b.run(feeds)]);
  const wall = performance.now() - t0;
  clearInterval(timer);
  await Promise.all([a.release(), b.release()]);
  // Off the JS thread the timer would tick about once a millisecond; blocked, only between the two runs.
  assert.ok(wall > 10, `the runs took ${wall.toFixed(1)} ms: too short to tell`);
  assert.ok(ticks <= 3, `${ticks} ticks in ${wall.toFixed(1)} ms: run() no longer blocks the JS thread`);
});
