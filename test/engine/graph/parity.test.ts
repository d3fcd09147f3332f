// Whole-model parity with PyTorch: loss and every parameter gradient of a small MLP and of a
// one-block attention model (RMSNorm, RoPE, GQA, SwiGLU, masked next-token cross-entropy), in float64
// (relative error <= 1e-5) and float32 (<= 1e-4), and AdamW with clipping through TrainStep against
// torch.optim.AdamW + clip_grad_norm_ over several steps. The reference is test/reference/parity.py.
// Relative error of a tensor: max |ours - torch| / max |torch| (per tensor, so near-zero elements
// do not blow it up).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../../src/engine/graph/autodiff';
import type { HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph, type Tensor } from '../../../src/engine/graph/graph';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { TrainStep } from '../../../src/engine/runtime/trainStep';
import { toNumbers } from '../../../src/engine/runtime/tensors';
import { rng, uniform } from '../../helpers/rng';
import { runTorch } from '../../helpers/torch';
import {
  attentionLoss,
  attentionParamShapes,
  mlpLoss,
  mlpParamShapes,
  type AttentionConfig,
  type MlpConfig,
  type Tensors,
} from './parityModels';

type Float = 'float32' | 'float64';
/** What crosses to Python: plain numbers, float32-representable so both precisions share one reference. */
interface Plain {
  shape: number[];
  data: number[];
}
type BatchSpec = Record<string, { dtype: 'float' | 'int64' | 'bool'; shape: (number | string)[]; value: Plain }>;
interface GradReply {
  loss: number;
  grads: Record<string, number[]>;
}

function randomPlain(r: () => number, shape: number[], lo: number, hi: number): Plain {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: uniform(r, n, lo, hi).map(Math.fround) };
}

/** Weights in ±scale, norm weights (1-D, named *norm*) around one as trained ones would be. */
function randomParams(shapes: Record<string, number[]>, seed: number, scale: number): Record<string, Plain> {
  const r = rng(seed);
  return Object.fromEntries(
    Object.entries(shapes).map(([k, s]) => [k, /norm/.test(k) ? randomPlain(r, s, 0.5, 1.5) : randomPlain(r, s, -scale, scale)]),
  );
}

function host(dtype: HostTensor['dtype'], p: Plain): HostTensor {
  switch (dtype) {
    case 'float32':
      return { dtype, shape: p.shape, data: Float32Array.from(p.data) };
    case 'float64':
      return { dtype, shape: p.shape, data: Float64Array.from(p.data) };
    case 'int64':
      return { dtype, shape: p.shape, data: BigInt64Array.from(p.data.map(BigInt)) };
    case 'bool':
      return { dtype, shape: p.shape, data: Uint8Array.from(p.data) };
    default:
      throw new Error(`no host conversion for ${dtype}`);
  }
}

function relError(ours: ArrayLike<number>, ref: readonly number[]): number {
  assert.equal(ours.length, ref.length, `length ${ours.length} vs reference ${ref.length}`);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

/** A graph computing the loss and the gradient of every parameter, run once in ORT. */
async function lossAndGrads(
  dtype: Float,
  shapes: Record<string, number[]>,
  params: Record<string, Plain>,
  batch: BatchSpec,
  loss: (p: Tensors, b: Tensors) => Tensor,
): Promise<{ loss: number; grads: Record<string, Float64Array> }> {
  const g = new Graph('parity');
  const names = Object.keys(shapes);
  const p: Tensors = Object.fromEntries(names.map((n) => [n, g.input(`param.${n}`, dtype, shapes[n])]));
  const b: Tensors = Object.fromEntries(
    Object.entries(batch).map(([k, s]) => [k, g.input(`batch.${k}`, s.dtype === 'float' ? dtype : s.dtype, s.shape)]),
  );
  const l = loss(p, b);
  g.output('loss', l);
  grad(
    l,
    names.map((n) => p[n]),
  ).forEach((t, i) => g.output(`grad.${names[i]}`, t));
  const session = await Session.create(serialize(g), { threads: 1 });
  const feeds: Record<string, HostTensor> = {};
  for (const n of names) feeds[`param.${n}`] = host(dtype, params[n]);
  for (const [k, s] of Object.entries(batch)) feeds[`batch.${k}`] = host(s.dtype === 'float' ? dtype : s.dtype, s.value);
  const out = await session.run(feeds);
  await session.release();
  return {
    loss: toNumbers(out.loss)[0],
    grads: Object.fromEntries(names.map((n) => [n, Float64Array.from(toNumbers(out[`grad.${n}`]))])),
  };
}

function assertParity(
  label: string,
  ours: { loss: number; grads: Record<string, Float64Array> },
  ref: GradReply,
  tol: number,
): void {
  const lossErr = Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss);
  assert.ok(lossErr <= tol, `${label}: loss ${ours.loss} vs torch ${ref.loss} (rel ${lossErr.toExponential(2)})`);
  assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(ref.grads).sort(), `${label}: parameter sets differ`);
  for (const [name, g] of Object.entries(ours.grads)) {
    assert.ok(
      ref.grads[name].some((x) => x !== 0),
      `${label}: torch's gradient of ${name} is all zeros, the check would be vacuous`,
    );
    const err = relError(g, ref.grads[name]);
    assert.ok(err <= tol, `${label}: gradient of ${name}: relative error ${err.toExponential(2)} > ${tol}`);
  }
}

// ---- MLP ---------------------------------------------------------------------------------------

const MLP: MlpConfig = { inputs: 5, hidden: 12, classes: 4 };
const MLP_SHAPES = mlpParamShapes(MLP);

function mlpBatch(seed: number, n: number): BatchSpec {
  const r = rng(seed);
  const y = Array.from({ length: n }, () => Math.floor(r() * MLP.classes));
  return {
    x: { dtype: 'float', shape: ['B', MLP.inputs], value: randomPlain(r, [n, MLP.inputs], -2, 2) },
    y: { dtype: 'int64', shape: ['B'], value: { shape: [n], data: y } },
  };
}

const plainBatch = (b: BatchSpec): Record<string, Plain> => Object.fromEntries(Object.entries(b).map(([k, s]) => [k, s.value]));

test('MLP: loss and every parameter gradient equal PyTorch (float64 <= 1e-5, float32 <= 1e-4)', async () => {
  const params = randomParams(MLP_SHAPES, 11, 0.6);
  const batch = mlpBatch(12, 7);
  const ref = runTorch<GradReply>('parity.py', { model: 'mlp', params, batch: plainBatch(batch) });
  assertParity('mlp float64', await lossAndGrads('float64', MLP_SHAPES, params, batch, mlpLoss), ref, 1e-5);
  assertParity('mlp float32', await lossAndGrads('float32', MLP_SHAPES, params, batch, mlpLoss), ref, 1e-4);
});

// ---- one-block attention model -----------------------------------------------------------------

const ATTN: AttentionConfig = { vocab: 11, hidden: 16, heads: 4, kvHeads: 2, headDim: 4, inter: 40, eps: 1e-6, theta: 10000 };
const ATTN_SHAPES = attentionParamShapes(ATTN);

/** Two sequences of 7 tokens -> inputs/targets of length 6; the second is right-padded by 2. */
function attentionBatch(seed: number): BatchSpec {
  const r = rng(seed);
  const B = 2,
    T = 6,
    lengths = [T, T - 2];
  const seqs = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => Math.floor(r() * ATTN.vocab)));
  const ids = seqs.flatMap((s) => s.slice(0, T));
  const targets = seqs.flatMap((s) => s.slice(1));
  const real = lengths.flatMap((len) => Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)));
  const shape = [B, T];
  return {
    ids: { dtype: 'int64', shape: ['B', 'T'], value: { shape, data: ids } },
    targets: { dtype: 'int64', shape: ['B', 'T'], value: { shape, data: targets } },
    attnMask: { dtype: 'bool', shape: ['B', 'T'], value: { shape, data: real } },
    lossMask: { dtype: 'float', shape: ['B', 'T'], value: { shape, data: real } },
  };
}

test('attention block: loss and every parameter gradient equal PyTorch (float64 <= 1e-5, float32 <= 1e-4)', async () => {
  const params = randomParams(ATTN_SHAPES, 21, 0.5);
  const batch = attentionBatch(22);
  const ref = runTorch<GradReply>('parity.py', { model: 'attention', config: ATTN, params, batch: plainBatch(batch) });
  const loss = (p: Tensors, b: Tensors) => attentionLoss(p, b, ATTN);
  assertParity('attention float64', await lossAndGrads('float64', ATTN_SHAPES, params, batch, loss), ref, 1e-5);
  assertParity('attention float32', await lossAndGrads('float32', ATTN_SHAPES, params, batch, loss), ref, 1e-4);
});

// ---- AdamW through TrainStep ------------------------------------------------------------------

test('TrainStep AdamW with clipping and weight decay equals torch.optim.AdamW + clip_grad_norm_ over 6 steps', async () => {
  const optimizer = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
  const maxGradNorm = 0.4;
  const decay = Object.fromEntries(Object.keys(MLP_SHAPES).map((n) => [n, !n.endsWith('.bias')]));
  const step = await TrainStep.compile(
    {
      dtype: 'float64',
      params: Object.fromEntries(Object.entries(MLP_SHAPES).map(([n, shape]) => [n, { shape, decay: decay[n] }])),
      batch: { x: { dtype: 'float64', shape: ['B', MLP.inputs] }, y: { dtype: 'int64', shape: ['B'] } },
      loss: (p, b) => ({ loss: mlpLoss(p, b) }),
      optimizer,
      maxGradNorm,
    },
    { threads: 1 },
  );
  const init = randomParams(MLP_SHAPES, 31, 0.8);
  const batches = [0, 1, 2, 3, 4, 5].map((i) => mlpBatch(40 + i, 6));
  const lrs = [0.05, 0.03, 0.08, 0.02, 0.05, 0.04];

  const state = step.initState(Object.fromEntries(Object.entries(init).map(([k, v]) => [k, host('float64', v)])));
  const ours = [];
  for (const [i, b] of batches.entries()) {
    ours.push(await step.run(state, { x: host('float64', b.x.value), y: host('int64', b.y.value) }, lrs[i]));
  }
  const ref = runTorch<{ losses: number[]; gradNorms: number[]; params: Record<string, number[]> }>('parity.py', {
    task: 'adamw',
    model: 'mlp',
    params: init,
    decay,
    optimizer,
    maxGradNorm,
    lrs,
    batches: batches.map(plainBatch),
  });

  assert.ok(
    ref.gradNorms.some((n) => n > maxGradNorm),
    `clipping never triggered (norms ${ref.gradNorms})`,
  );
  ours.forEach((r, i) => {
    assert.equal(r.skipped, false);
    assert.ok(
      Math.abs(r.loss - ref.losses[i]) <= 1e-9 * Math.abs(ref.losses[i]),
      `step ${i}: loss ${r.loss} vs ${ref.losses[i]}`,
    );
    assert.ok(
      Math.abs(r.gradNorm - ref.gradNorms[i]) <= 1e-9 * ref.gradNorms[i],
      `step ${i}: grad norm ${r.gradNorm} vs ${ref.gradNorms[i]}`,
    );
  });
  assert.equal(state.step, 6);
  for (const name of Object.keys(MLP_SHAPES)) {
    const now = toNumbers(state.params[name]);
    const moved = relError(now, init[name].data);
    assert.ok(moved > 1e-2, `${name} barely moved (${moved}); the comparison would be weak`);
    const err = relError(now, ref.params[name]);
    assert.ok(err <= 1e-9, `${name} after 6 steps: relative error ${err.toExponential(2)}`);
  }
});
