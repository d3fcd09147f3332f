import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf, type HostTensor } from '../../../src/engine/core/hostTensor';
import * as F from '../../../src/engine/graph/ops';
import type { TrainStepSpec } from '../../../src/engine/graph/train/stepGraphs';
import { f32, i64 } from '../../../src/engine/runtime/tensors';
import { TrainStep } from '../../../src/engine/runtime/trainStep';
import { rng, uniform } from '../../helpers/rng';

// A 2-layer MLP classifying 2-D points by quadrant: a toy task it can learn in a few dozen steps.
function mlpSpec(): TrainStepSpec {
  return {
    params: {
      w1: { shape: [16, 2] },
      b1: { shape: [16], decay: false },
      w2: { shape: [4, 16] },
      b2: { shape: [4], decay: false },
    },
    batch: { x: { dtype: 'float32', shape: ['B', 2] }, y: { dtype: 'int64', shape: ['B'] } },
    loss: (p, b) => {
      const h = F.tanh(F.linear(b.x, p.w1, p.b1));
      const logp = F.logSoftmax(F.linear(h, p.w2, p.b2), -1); // [B, 4]
      const picked = F.gatherElements(logp, F.unsqueeze(b.y, [1]), 1); // [B, 1]
      return { loss: F.neg(F.meanAll(picked)), metrics: { meanLogit: F.meanAll(logp) } };
    },
    maxGradNorm: 1.0,
    optimizer: { weightDecay: 0.01 },
  };
}

function quadrantBatch(seed: number, n: number): Record<string, HostTensor> {
  const r = rng(seed);
  const xs = uniform(r, 2 * n);
  const ys = Array.from({ length: n }, (_, i) => (xs[2 * i] > 0 ? 1 : 0) + (xs[2 * i + 1] > 0 ? 2 : 0));
  return { x: f32(xs, [n, 2]), y: i64(ys, [n]) };
}

function initParams(seed: number): Record<string, HostTensor> {
  const r = rng(seed);
  return {
    w1: f32(uniform(r, 32, -0.7, 0.7), [16, 2]),
    b1: f32(new Array(16).fill(0), [16]),
    w2: f32(uniform(r, 64, -0.25, 0.25), [4, 16]),
    b2: f32([0, 0, 0, 0], [4]),
  };
}

test('a compiled train step lowers the loss of an MLP on a toy task', async () => {
  const step = await TrainStep.compile(mlpSpec());
  const state = step.initState(initParams(1));
  const evalBatch = quadrantBatch(999, 256);
  const first = await step.run(state, evalBatch, 0); // lr 0: measures the loss, moves nothing
  for (let i = 0; i < 150; i++) await step.run(state, quadrantBatch(i, 64), 0.03);
  const last = await step.run(state, evalBatch, 0);
  assert.ok(last.loss < 0.5 * first.loss, `loss went from ${first.loss} to ${last.loss}`);
  assert.equal(state.step, 152);
  assert.ok(Number.isFinite(last.metrics.meanLogit));
});

test('lrScale gives one parameter its own learning rate (lr x scale, weight decay included)', async () => {
  const plain = mlpSpec();
  const scaled = { ...plain, params: { ...plain.params, w2: { ...plain.params.w2, lrScale: 10 } } };
  const deltas = async (spec: TrainStepSpec) => {
    const step = await TrainStep.compile(spec);
    const state = step.initState(initParams(3));
    const before = Object.fromEntries(Object.entries(state.params).map(([n, t]) => [n, Float32Array.from(dataOf(t, 'float32'))]));
    await step.run(state, quadrantBatch(4, 32), 1e-3);
    return Object.fromEntries(
      Object.entries(state.params).map(([n, t]) => [n, dataOf(t, 'float32').map((x, i) => x - before[n][i])]),
    );
  };
  const [a, b] = [await deltas(plain), await deltas(scaled)];
  b.w1.forEach((d, i) => assert.ok(Math.abs(d - a.w1[i]) <= 1e-9, `w1[${i}] moved differently`));
  let checked = 0;
  b.w2.forEach((d, i) => {
    if (Math.abs(a.w2[i]) < 1e-6) return; // a near-zero gradient: the ratio is noise
    assert.ok(Math.abs(d / a.w2[i] - 10) < 0.05, `w2[${i}]: ${d} vs ${a.w2[i]}`);
    checked++;
  });
  assert.ok(checked > 32, `only ${checked} w2 entries had a usable gradient`);
});

test('a non-finite loss skips the step and leaves parameters and moments untouched', async () => {
  const step = await TrainStep.compile(mlpSpec());
  const state = step.initState(initParams(2));
  await step.run(state, quadrantBatch(1, 8), 0.01);
  const before = JSON.stringify(
    [state.params, state.m, state.v].map((r) => Object.values(r).map((t) => Array.from(dataOf(t, 'float32')))),
  );
  const bad = quadrantBatch(2, 8);
  dataOf(bad.x, 'float32')[3] = NaN;
  const res = await step.run(state, bad, 0.01);
  assert.equal(res.skipped, true);
  assert.equal(state.step, 1);
  const after = JSON.stringify(
    [state.params, state.m, state.v].map((r) => Object.values(r).map((t) => Array.from(dataOf(t, 'float32')))),
  );
  assert.equal(after, before);
});

test('gradient accumulation over micro-batches equals one step on the whole batch', async () => {
  const spec = mlpSpec();
  const step = await TrainStep.compile(spec, {}, { accumulation: true });
  const whole = quadrantBatch(5, 12);
  const parts = [0, 1, 2].map((k) => ({
    x: f32(dataOf(whole.x, 'float32').slice(8 * k, 8 * k + 8), [4, 2]),
    y: { ...whole.y, shape: [4], data: dataOf(whole.y, 'int64').slice(4 * k, 4 * k + 4) },
  }));
  const a = step.initState(initParams(3));
  const b = step.initState(initParams(3));
  const ra = await step.run(a, whole, 0.05);
  const rb = await step.runAccumulated(b, parts, 0.05);
  assert.ok(Math.abs(ra.loss - rb.loss) < 1e-6, `${ra.loss} vs ${rb.loss}`);
  assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) < 1e-5, `${ra.gradNorm} vs ${rb.gradNorm}`);
  for (const name of Object.keys(spec.params)) {
    const pa = dataOf(a.params[name], 'float32'),
      pb = dataOf(b.params[name], 'float32');
    for (let i = 0; i < pa.length; i++) assert.ok(Math.abs(pa[i] - pb[i]) < 1e-6, `${name}[${i}] ${pa[i]} vs ${pb[i]}`);
  }
});

test('release frees the sessions; the next run compiles them again and continues the same way', async () => {
  const [kept, released] = [
    await TrainStep.compile(mlpSpec(), { threads: 1 }),
    await TrainStep.compile(mlpSpec(), { threads: 1 }),
  ];
  const [a, b] = [kept.initState(initParams(3)), released.initState(initParams(3))];
  for (let i = 0; i < 3; i++) {
    await kept.run(a, quadrantBatch(i, 32), 0.03);
    await released.run(b, quadrantBatch(i, 32), 0.03);
    await released.release();
  }
  await released.release(); // twice: nothing left to free
  for (const n of Object.keys(a.params)) assert.deepEqual(b.params[n].data, a.params[n].data, n);
  assert.equal(b.step, 3);
  await kept.release();
});
