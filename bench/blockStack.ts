// The benchmark model: a stack of Llama-style blocks (RMSNorm, causal multi-head attention with
// RoPE, SwiGLU MLP) as one TrainStep, and its analytic FLOP count. Its PyTorch twin is
// bench/torch_block.py; both must stay the same model.
//
// Included: `layers` blocks, the final RMSNorm and a mean-squared-error loss against a target of
// the same shape. Not included: token embedding and LM head (their cost depends on the vocabulary,
// which is not the point here), dropout, biases.
import type { HostTensor } from '../src/engine/core/hostTensor';
import type { Tensor } from '../src/engine/graph/graph';
import * as F from '../src/engine/graph/ops';
import type { TrainStepSpec } from '../src/engine/graph/train/stepGraphs';
import { uniformF32 } from './random';

export interface BlockStackConfig {
  hidden: number;
  layers: number;
  heads: number;
  /** SwiGLU width, about 2.7 x hidden as in Llama (8/3 rounded). */
  intermediate: number;
  batch: number;
  seq: number;
  eps: number;
  theta: number;
}

export function blockStackConfig(hidden: number, layers = 4, batch = 8, seq = 256): BlockStackConfig {
  // 8/3 x hidden rounded to a multiple of 16: 256 -> 688, 512 -> 1376 (2.69 x).
  const intermediate = Math.round((hidden * 8) / 3 / 16) * 16;
  return { hidden, layers, heads: hidden / 64, intermediate, batch, seq, eps: 1e-5, theta: 10000 };
}

export function paramShapes(c: BlockStackConfig): Record<string, number[]> {
  const D = c.hidden,
    I = c.intermediate;
  const shapes: Record<string, number[]> = {};
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    shapes[`${p}input_layernorm.weight`] = [D];
    for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) shapes[`${p}self_attn.${n}.weight`] = [D, D];
    shapes[`${p}post_attention_layernorm.weight`] = [D];
    shapes[`${p}mlp.gate_proj.weight`] = [I, D];
    shapes[`${p}mlp.up_proj.weight`] = [I, D];
    shapes[`${p}mlp.down_proj.weight`] = [D, I];
  }
  shapes['norm.weight'] = [D];
  return shapes;
}

/**
 * FLOPs of one training step, counted analytically: 6 x (matrix parameters) x tokens for the
 * projections (2 forward, 4 backward), plus the attention products QK^T and PV, 2 x 2 T² D per
 * sequence and layer forward, x3 with the backward (the full T x T products are computed; the
 * causal half is masked, not skipped). Elementwise work (norms, softmax, RoPE, AdamW) is not counted.
 */
export function trainingFlops(c: BlockStackConfig): { total: number; params: number } {
  const D = c.hidden,
    I = c.intermediate,
    tokens = c.batch * c.seq;
  const perLayer = 4 * D * D + 3 * D * I;
  const matmulParams = perLayer * c.layers;
  const attention = 12 * c.batch * c.seq * c.seq * D * c.layers;
  return { total: 6 * matmulParams * tokens + attention, params: matmulParams + (2 * c.layers + 1) * D };
}

/** cos, sin [T, hd] (HF rotate_half convention) and the additive causal mask [T, T]. */
export function frozenTables(c: BlockStackConfig): Record<string, HostTensor> {
  const T = c.seq,
    hd = c.hidden / c.heads;
  const cos = new Float32Array(T * hd),
    sin = new Float32Array(T * hd),
    mask = new Float32Array(T * T);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < hd; i++) {
      const angle = t / Math.pow(c.theta, (2 * (i % (hd / 2))) / hd);
      cos[t * hd + i] = Math.cos(angle);
      sin[t * hd + i] = Math.sin(angle);
    }
    for (let s = t + 1; s < T; s++) mask[t * T + s] = -1e9;
  }
  return {
    cos: { dtype: 'float32', shape: [T, hd], data: cos },
    sin: { dtype: 'float32', shape: [T, hd], data: sin },
    mask: { dtype: 'float32', shape: [T, T], data: mask },
  };
}

function block(x: Tensor, p: Record<string, Tensor>, l: number, c: BlockStackConfig, fz: Record<string, Tensor>): Tensor {
  const { batch: B, seq: T, heads: H, hidden: D } = c;
  const hd = D / H;
  const w = (n: string) => p[`layers.${l}.${n}`];
  const heads = (t: Tensor) => F.transpose(F.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]); // [B, H, T, hd]

  const h = F.rmsNorm(x, w('input_layernorm.weight'), c.eps);
  const q = F.applyRope(heads(F.linear(h, w('self_attn.q_proj.weight'))), fz.cos, fz.sin);
  const k = F.applyRope(heads(F.linear(h, w('self_attn.k_proj.weight'))), fz.cos, fz.sin);
  const v = heads(F.linear(h, w('self_attn.v_proj.weight')));
  const scores = F.add(F.mul(F.matmul(q, F.transposeLast2(k)), 1 / Math.sqrt(hd)), fz.mask); // [B, H, T, T]
  const o = F.matmul(F.softmax(scores, -1), v); // [B, H, T, hd]
  const merged = F.reshape(F.transpose(o, [0, 2, 1, 3]), [B, T, D]);
  const x1 = F.add(x, F.linear(merged, w('self_attn.o_proj.weight')));

  const h2 = F.rmsNorm(x1, w('post_attention_layernorm.weight'), c.eps);
  const act = F.mul(F.silu(F.linear(h2, w('mlp.gate_proj.weight'))), F.linear(h2, w('mlp.up_proj.weight')));
  return F.add(x1, F.linear(act, w('mlp.down_proj.weight')));
}

export function blockStackSpec(c: BlockStackConfig): TrainStepSpec {
  const shapes = paramShapes(c);
  return {
    name: `block_stack_${c.hidden}`,
    params: Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [n, { shape, decay: shape.length > 1 }])),
    frozen: frozenTables(c),
    batch: {
      x: { dtype: 'float32', shape: [c.batch, c.seq, c.hidden] },
      target: { dtype: 'float32', shape: [c.batch, c.seq, c.hidden] },
    },
    loss: (p, b, fz) => {
      let x = b.x;
      for (let l = 0; l < c.layers; l++) x = block(x, p, l, c, fz);
      const y = F.rmsNorm(x, p['norm.weight'], c.eps);
      const d = F.sub(y, b.target);
      return { loss: F.meanAll(F.mul(d, d)) };
    },
    optimizer: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1.0,
  };
}

/** Initial weights: ones for norms, uniform ±1/sqrt(fan_in) for matrices (seeded). */
export function initParams(c: BlockStackConfig, seed = 1): Record<string, HostTensor> {
  return Object.fromEntries(
    Object.entries(paramShapes(c)).map(([n, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = shape.length === 1 ? new Float32Array(size).fill(1) : uniformF32(seed, n, size, 1 / Math.sqrt(shape[1]));
      return [n, { dtype: 'float32', shape, data } as HostTensor];
    }),
  );
}

export function randomBatch(c: BlockStackConfig, seed = 2): Record<string, HostTensor> {
  const shape = [c.batch, c.seq, c.hidden];
  const n = c.batch * c.seq * c.hidden;
  return {
    x: { dtype: 'float32', shape, data: uniformF32(seed, 'x', n, 1) },
    target: { dtype: 'float32', shape, data: uniformF32(seed, 'target', n, 1) },
  };
}
