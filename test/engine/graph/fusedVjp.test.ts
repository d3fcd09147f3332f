// The VJPs of ORT's fused kernels (graph/ops/fused.ts) equal those of the composites they replace,
// on the same float32 inputs: RMSNorm, residual-and-RMSNorm and RoPE, outputs and every input's
// gradient within 2e-6 relative to the largest gradient (ORT has no float64 kernels for these, so
// the float64 finite differences of vjp.test.ts check the composites, and this file ties the fused
// rules to them), plus a coarse float32 finite-difference check of the fused rules themselves, and
// that no VJP reads a norm kernel's optional outputs (the WebGPU provider does not write them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { grad } from '../../../src/engine/graph/autodiff';
import { Graph, type Tensor } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { rng } from '../../helpers/rng';
import { checkVjp } from '../../helpers/fd';

type Pair = { fused: (xs: Tensor[]) => Tensor[]; composite: (xs: Tensor[]) => Tensor[] };

/** Outputs, and gradients of Σ_i (i + 1) · Σ y_i² (cotangents that vary), for both versions on one set of inputs. */
async function compare(shapes: number[][], pair: Pair, seed: number) {
  const results: Record<string, Float32Array>[] = [];
  for (const version of [pair.fused, pair.composite]) {
    const g = new Graph('fusedVjp');
    const xs = shapes.map((s, i) => g.input(`x${i}`, 'float32', s));
    const ys = version(xs);
    const loss = ys.map((y, i) => F.mul(F.sumAll(F.mul(y, y)), i + 1)).reduce((a, b) => F.add(a, b));
    ys.forEach((y, i) => g.output(`y${i}`, y));
    grad(loss, xs).forEach((d, i) => g.output(`d${i}`, d));
    const session = await Session.create(serialize(g), { threads: 1 });
    const r = rng(seed); // the same inputs for both versions
    const feeds = Object.fromEntries(
      shapes.map((s, i) => {
        const n = s.reduce((a, b) => a * b, 1);
        return [`x${i}`, { dtype: 'float32' as const, shape: s, data: Float32Array.from({ length: n }, () => 0.5 + r()) }];
      }),
    );
    const out = await session.run(feeds);
    await session.release();
    results.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, dataOf(v, 'float32')])));
  }
  const [fused, composite] = results;
  for (const k of Object.keys(composite)) {
    const scale = Math.max(...composite[k].map(Math.abs), 1e-6);
    const diff = Math.max(...composite[k].map((v, i) => Math.abs(v - fused[k][i])));
    assert.ok(diff / scale < 2e-6, `${k}: max |fused - composite| ${diff.toExponential(2)} (scale ${scale.toExponential(2)})`);
  }
}

const EPS = 1e-5;

test('fused RMSNorm: output and gradients equal the composite', async () => {
  await compare(
    [[2, 5, 8], [8]],
    { fused: ([x, w]) => [F.fusedRmsNorm(x, w, EPS)], composite: ([x, w]) => [F.rmsNorm(x, w, EPS)] },
    1,
  );
});

test('fused residual + RMSNorm: both outputs and all three gradients equal the composite', async () => {
  await compare(
    [[2, 5, 8], [2, 5, 8], [8]],
    {
      fused: ([x, s, w]) => {
        const { normed, sum } = F.fusedSkipRmsNorm(x, s, w, EPS);
        return [normed, sum];
      },
      composite: ([x, s, w]) => {
        const sum = F.add(x, s);
        return [F.rmsNorm(sum, w, EPS), sum];
      },
    },
    2,
  );
});

test('fused RoPE: output and gradient equal rotate_half RoPE at per-row positions', async () => {
  const [B, H, T, D] = [2, 3, 5, 8];
  const angles = (g: Graph) => {
    // Positions [B, T] differ per row (left padding): row 1 starts at 2.
    const pos = g.constant([0, 1, 2, 3, 4, 2, 3, 4, 5, 6], 'int64', [B, T]);
    const inv = g.constant(
      Array.from({ length: D / 2 }, (_, i) => 10000 ** (-(2 * i) / D)),
      'float32',
      [1, 1, D / 2],
    );
    return { pos, freqs: F.mul(F.unsqueeze(F.cast(pos, 'float32'), [2]), inv) }; // [B, T, D/2]
  };
  await compare(
    [[B, H, T, D]],
    {
      fused: ([x]) => {
        const { freqs } = angles(x.graph);
        const flat = F.reshape(freqs, [B * T, D / 2]);
        const index = F.reshape(F.arange(x.graph, B * T), [B, T]);
        return [F.fusedRope(x, index, F.cos(flat), F.sin(flat))];
      },
      composite: ([x]) => {
        const { freqs } = angles(x.graph);
        const emb = F.unsqueeze(F.concat([freqs, freqs], -1), [1]); // [B, 1, T, D]
        return [F.applyRope(x, F.cos(emb), F.sin(emb))];
      },
    },
    3,
  );
});

test('fused RMSNorm and residual + RMSNorm: float32 finite differences agree with the VJPs', async () => {
  const norm = await checkVjp(
    ([x, w]) => F.cast(F.fusedRmsNorm(F.cast(x, 'float32'), F.cast(w, 'float32'), EPS), 'float64'),
    [{ shape: [2, 6] }, { shape: [6], lo: 0.5, hi: 1.5 }],
    4,
    1e-3,
  );
  assert.ok(norm.maxRelError < 5e-3, `RMSNorm: max relative error ${norm.maxRelError.toExponential(2)}`);
  const skip = await checkVjp(
    ([x, s, w]) => {
      const { normed, sum } = F.fusedSkipRmsNorm(F.cast(x, 'float32'), F.cast(s, 'float32'), F.cast(w, 'float32'), EPS);
      return F.cast(F.add(normed, F.mul(sum, 0.3)), 'float64');
    },
    [{ shape: [2, 6] }, { shape: [2, 6] }, { shape: [6], lo: 0.5, hi: 1.5 }],
    5,
    1e-3,
  );
  assert.ok(skip.maxRelError < 5e-3, `residual + RMSNorm: max relative error ${skip.maxRelError.toExponential(2)}`);
});

// The optional mean and inverse-std outputs of (Skip)SimplifiedLayerNormalization are not written by
// every provider: ORT's WebGPU SkipSimplifiedLayerNormalization leaves them unset, and a gradient
// graph whose backward Mul read one failed there with 'Missing Input' (webgpuParity.test.ts). The
// VJPs recompute the inverse std from the input, so a differentiated graph asks only for output 0
// and the residual sum (Skip's output 3).
test('the fused norms VJPs read no optional kernel output: a gradient graph asks only for normed and sum', () => {
  const g = new Graph('fusedNormOutputs');
  const [x, s, w] = [g.input('x', 'float32', [2, 3, 8]), g.input('s', 'float32', [2, 3, 8]), g.input('w', 'float32', [8])];
  const { normed, sum } = F.fusedSkipRmsNorm(x, s, w, EPS);
  const y = F.fusedRmsNorm(F.add(normed, sum), w, EPS);
  grad(F.sumAll(F.mul(y, y)), [x, s, w]).forEach((d, i) => g.output(`d${i}`, d));
  const nodes = onnx.ModelProto.decode(serialize(g)).graph!.node!;
  const outputs = (op: string) => nodes.filter((n) => n.opType === op).map((n) => n.output!);
  assert.deepEqual(
    outputs('SkipSimplifiedLayerNormalization').map((o) => o.map((name) => name !== '')),
    [[true, false, false, true]],
  );
  assert.deepEqual(
    outputs('SimplifiedLayerNormalization').map((o) => o.length),
    [1],
  );
});
