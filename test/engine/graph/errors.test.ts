// Bad input gives clear errors, and non-finite numbers never reach the parameters: wrong dtypes and
// shapes at graph-building time (ShapeError naming the op and both shapes), an ONNX op type that
// does not exist (error at session creation), outputs that depend on nothing (GraphError), wrong
// feeds at run time, and a non-finite loss or gradient in a TrainStep (step skipped, state untouched).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../../src/engine/graph/autodiff';
import type { HostTensor } from '../../../src/engine/core/hostTensor';
import { apply, defineOp, Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { GraphError, serialize } from '../../../src/engine/graph/serialize';
import { ShapeError } from '../../../src/engine/graph/shape';
import type { TrainStepSpec } from '../../../src/engine/graph/train/stepGraphs';
import { Session } from '../../../src/engine/runtime/session';
import { TrainStep, type TrainState } from '../../../src/engine/runtime/trainStep';
import { f32, f64, i64, toNumbers } from '../../../src/engine/runtime/tensors';

function shapeError(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof ShapeError, `expected a ShapeError, got ${err.name}: ${err.message}`);
    for (const p of parts) assert.ok(err.message.includes(p), `"${err.message}" does not mention ${p}`);
    return true;
  });
}

// ---- building graphs ---------------------------------------------------------------------------

test('an op without a VJP rule between the parameters and the loss is refused by grad()', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 4]);
  const w = g.input('w', 'float32', [4]);
  const loss = F.reduceSum(F.add(F.zerosLike(F.mul(x, w)), x), [0, 1]);
  assert.throws(() => grad(loss, [w]), /op ZerosLike has no VJP rule/);
});

test('ops given mismatched shapes throw a ShapeError naming the op and both shapes', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', ['B', 3]);
  const b = g.input('b', 'float32', [4, 5]);
  shapeError(() => F.matmul(a, b), 'MatMul', '[B, 3]', '[4, 5]');
  shapeError(() => F.add(a, g.input('c', 'float32', [4])), 'Add', '[B, 3]', '[4]');
  shapeError(() => F.where(g.input('m', 'bool', [2, 3]), a, g.input('d', 'float32', [5, 3])), 'Where', '[B, 3]', '[5, 3]');
  shapeError(() => F.concat([a, g.input('e', 'float32', ['B', 3, 1])], 0), 'Concat', '[B, 3]', '[B, 3, 1]');
  shapeError(() => F.reshape(a, [2, 2]), 'Reshape', '[B, 3]', '[2, 2]');
  shapeError(() => F.transpose(a, [0, 0]), 'Transpose', '[B, 3]');
  shapeError(() => F.slice(b, 1, 2, 9), 'Slice', '[4, 5]');
});

test('ops given the wrong dtype throw a ShapeError naming the op and both dtypes', () => {
  const g = new Graph();
  const x32 = g.input('x32', 'float32', [2, 3]);
  const x64 = g.input('x64', 'float64', [2, 3]);
  const ids = g.input('ids', 'int64', [2]);
  shapeError(() => F.mul(x32, x64), 'Mul', 'float32', 'float64');
  shapeError(() => F.matmul(x32, F.transpose(x64, [1, 0])), 'MatMul', 'float32', 'float64');
  shapeError(() => F.gather(x32, F.cast(ids, 'float32')), 'Gather', 'float32');
  shapeError(() => F.sqrt(ids), 'Sqrt', 'int64');
  shapeError(() => F.where(F.cast(ids, 'float32'), x32, x32), 'Where', 'bool', 'float32');
});

test('an op that emits an ONNX op type that does not exist fails at session creation, naming it', async () => {
  const Bogus = defineOp({
    name: 'Bogus',
    infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
    emit: (e, i, o) => e.node('NoSuchOnnxOp', i, o),
  });
  const g = new Graph('bogus');
  g.output('y', apply(Bogus, [g.input('x', 'float32', [2])], {}));
  const bytes = serialize(g); // the serializer cannot know the op set: the runtime must reject it
  await assert.rejects(Session.create(bytes), /could not load the model.*NoSuchOnnxOp/);
});

test('a graph output that depends on no input, or no output at all, is a GraphError', () => {
  const g = new Graph('consts');
  const x = g.input('x', 'float32', [3]);
  g.output('y', F.mul(x, 2));
  g.output('two', F.add(g.constant(1, 'float32'), 1));
  assert.throws(
    () => serialize(g),
    (e: Error) => e instanceof GraphError && /output "two" depends on no graph input/.test(e.message),
  );
  assert.doesNotThrow(() => serialize(g, { allowConstantOutputs: true }));
  assert.throws(
    () => serialize(new Graph('empty')),
    (e: Error) => e instanceof GraphError && /no outputs/.test(e.message),
  );
});

// ---- feeding sessions --------------------------------------------------------------------------

test('feeding a session the wrong dtype, rank, size or an inconsistent named dim names the input', async () => {
  const g = new Graph('feeds');
  const x = g.input('x', 'float32', ['B', 3]);
  const y = g.input('y', 'int64', ['B']);
  g.output('z', F.add(F.reduceSum(x, [1]), F.cast(y, 'float32')));
  const s = await Session.create(serialize(g), { threads: 1 });
  const ok = { x: f32([1, 2, 3, 4, 5, 6], [2, 3]), y: i64([1, 2], [2]) };
  assert.deepEqual(toNumbers((await s.run(ok)).z), [7, 17]);
  await assert.rejects(
    s.run({ ...ok, x: f64([1, 2, 3, 4, 5, 6], [2, 3]) }),
    /input "x": expected float32\[B, 3\], got float64\[2, 3\]/,
  );
  await assert.rejects(
    s.run({ ...ok, x: f32([1, 2, 3, 4], [2, 2]) }),
    /input "x": expected float32\[B, 3\], got float32\[2, 2\]/,
  );
  await assert.rejects(s.run({ ...ok, x: f32([1, 2, 3], [3]) }), /input "x".*wrong rank/);
  await assert.rejects(s.run({ ...ok, y: i64([1, 2, 3], [3]) }), /dim B is 3 here but 2 in input "x"/);
  await assert.rejects(s.run({ ...ok, x: f32([1, 2], [2, 3]) }), /input "x": 2 values for shape \[2,3\]/);
  await assert.rejects(s.run({ x: ok.x }), /missing model inputs: y/);
  await s.release();
});

// ---- non-finite values in a train step ---------------------------------------------------------

/** loss = sum(sqrt(w) * x) + 0.5 |u|²: sqrt has an infinite derivative at 0, so w = 0 with a finite
 * loss gives an infinite gradient; x = NaN gives a NaN loss. */
function sqrtSpec(maxGradNorm?: number): TrainStepSpec {
  return {
    params: { w: { shape: [3] }, u: { shape: [2] } },
    batch: { x: { dtype: 'float32', shape: [3] } },
    loss: (p, b) => ({ loss: F.add(F.sumAll(F.mul(F.sqrt(p.w), b.x)), F.mul(F.sumAll(F.mul(p.u, p.u)), 0.5)) }),
    maxGradNorm,
  };
}

const snapshot = (s: TrainState): string =>
  JSON.stringify([s.params, s.m, s.v].map((r) => Object.values(r).map((t) => toNumbers(t))));
const x = (a: number, b: number, c: number): Record<string, HostTensor> => ({ x: f32([a, b, c], [3]) });

for (const maxGradNorm of [undefined, 1.0]) {
  test(`a finite loss with an infinite gradient skips the step and leaves the state untouched (clipping ${maxGradNorm ?? 'off'})`, async () => {
    const step = await TrainStep.compile(sqrtSpec(maxGradNorm), { threads: 1 });
    const state = step.initState({ w: f32([1, 4, 9], [3]), u: f32([0.5, -0.5], [2]) });
    await step.run(state, x(1, 1, 1), 0.01); // a normal step first, so moments are non-zero
    assert.equal(state.step, 1);
    state.params.w = f32([0, 4, 9], [3]); // sqrt'(0) = inf
    const before = snapshot(state);
    const res = await step.run(state, x(1, 1, 1), 0.01);
    assert.ok(Number.isFinite(res.loss), `the loss should be finite, got ${res.loss}`);
    assert.ok(!Number.isFinite(res.gradNorm), `the gradient norm should not be finite, got ${res.gradNorm}`);
    assert.equal(res.skipped, true);
    assert.equal(state.step, 1);
    assert.equal(snapshot(state), before);
    // The state is still good: a finite step afterwards runs and moves the parameters.
    state.params.w = f32([1, 4, 9], [3]);
    const next = await step.run(state, x(1, 2, 3), 0.01);
    assert.equal(next.skipped, false);
    assert.equal(state.step, 2);
    assert.ok(toNumbers(state.params.w).every((v, i) => v !== [1, 4, 9][i]));
  });
}

test('a NaN gradient (0 * inf) with a finite loss is skipped as well', async () => {
  // d/dw sqrt(w²) at w = 0 is 2w / (2 sqrt(w²)) = 0 / 0 -> NaN, while the loss is 0.
  const step = await TrainStep.compile(
    {
      params: { w: { shape: [2] } },
      batch: { x: { dtype: 'float32', shape: [2] } },
      loss: (p, b) => ({ loss: F.sumAll(F.mul(F.sqrt(F.mul(p.w, p.w)), b.x)) }),
    },
    { threads: 1 },
  );
  const state = step.initState({ w: f32([0, 1], [2]) });
  const res = await step.run(state, { x: f32([1, 1], [2]) }, 0.1);
  assert.equal(res.loss, 1);
  assert.ok(Number.isNaN(res.gradNorm));
  assert.equal(res.skipped, true);
  assert.deepEqual(toNumbers(state.params.w), [0, 1]);
  assert.deepEqual(toNumbers(state.m.w), [0, 0]);
});

test('a non-finite loss skips the step (accumulated micro-batches too)', async () => {
  const step = await TrainStep.compile(sqrtSpec(1.0), { threads: 1 }, { accumulation: true });
  const state = step.initState({ w: f32([1, 4, 9], [3]), u: f32([0.5, -0.5], [2]) });
  const before = snapshot(state);
  const single = await step.run(state, x(1, NaN, 1), 0.01);
  assert.ok(Number.isNaN(single.loss) && single.skipped);
  const acc = await step.runAccumulated(state, [x(1, 1, 1), x(Infinity, 1, 1)], 0.01);
  assert.ok(!Number.isFinite(acc.loss) && acc.skipped);
  assert.equal(state.step, 0);
  assert.equal(snapshot(state), before);
});
