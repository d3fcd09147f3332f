// The benchmark model: a stack of Llama-style blocks (RMSNorm, causal multi-head attention with
// RoPE, SwiGLU MLP) as one TrainStep, and its analytic FLOP count. Its PyTorch twin is
// bench/torch_block.py; both must stay the same model.
//
// Included: `layers` blocks, the final RMSNorm and a mean-squared-error loss against a target of
// the same shape. Not included: token embedding and LM head (their cost depends on the vocabulary,
// which is not the point here), dropout, biases.
//
// Built as nn/llama.ts builds training graphs (the same math as the PyTorch twin, fewer kernels):
// ORT's fused RMSNorm, residual + RMSNorm and RoPE kernels with their VJPs (graph/ops/fused.ts),
// and attention's 1/sqrt(d) folded into the queries' RoPE tables. The q/k/v and gate/up products
// stay separate, as llama.ts's training graphs keep them by default (ForwardOptions.fuseProjections).
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

/**
 * RoPE tables for ORT's RotaryEmbedding — cos, sin [T, hd/2] (one per frequency; HF's rotate_half
 * repeats them over the two halves) and qCos, qSin, the same times 1/sqrt(hd) for the queries —,
 * the position of each token [B, T] and the additive causal mask [T, T].
 */
export function frozenTables(c: BlockStackConfig): Record<string, HostTensor> {
  const T = c.seq,
    half = c.hidden / c.heads / 2;
  const scale = 1 / Math.sqrt(2 * half);
  const [cos, sin, qCos, qSin] = [0, 1, 2, 3].map(() => new Float32Array(T * half));
  const mask = new Float32Array(T * T);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t / Math.pow(c.theta, i / half);
      [cos[t * half + i], sin[t * half + i]] = [Math.cos(angle), Math.sin(angle)];
      [qCos[t * half + i], qSin[t * half + i]] = [Math.cos(angle) * scale, Math.sin(angle) * scale];
    }
    for (let s = t + 1; s < T; s++) mask[t * T + s] = -1e9;
  }
  const positions = BigInt64Array.from({ length: c.batch * T }, (_, i) => BigInt(i % T));
  const table = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape: [T, half], data });
  return {
    cos: table(cos),
    sin: table(sin),
    qCos: table(qCos),
    qSin: table(qSin),
    positions: { dtype: 'int64', shape: [c.batch, T], data: positions },
    mask: { dtype: 'float32', shape: [T, T], data: mask },
  };
}

/**
 * One block: from the residual stream x [B, T, D] and its normed input h, the next residual stream
 * and its norm under `nextNorm` (the next block's input norm, or the final norm after the last
 * block), each residual add sharing a kernel with the norm after it.
 */
function block(
  x: Tensor,
  h: Tensor,
  p: Record<string, Tensor>,
  l: number,
  c: BlockStackConfig,
  fz: Record<string, Tensor>,
  nextNorm: Tensor,
): { x: Tensor; h: Tensor } {
  const { batch: B, seq: T, heads: H, hidden: D } = c;
  const hd = D / H;
  const w = (n: string) => p[`layers.${l}.${n}`];
  const heads = (t: Tensor) => F.transpose(F.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]); // [B, H, T, hd]
  const project = (n: string) => heads(F.linear(h, w(`self_attn.${n}.weight`))); // [B, H, T, hd]
  const q = F.fusedRope(project('q_proj'), fz.positions, fz.qCos, fz.qSin); // scaled by 1/sqrt(hd)
  const k = F.fusedRope(project('k_proj'), fz.positions, fz.cos, fz.sin);
  const scores = F.add(F.matmul(q, F.transposeLast2(k)), fz.mask); // [B, H, T, T]
  const o = F.matmul(F.softmax(scores, -1), project('v_proj')); // [B, H, T, hd]
  const merged = F.reshape(F.transpose(o, [0, 2, 1, 3]), [B, T, D]);
  const attended = F.fusedSkipRmsNorm(
    x,
    F.linear(merged, w('self_attn.o_proj.weight')),
    w('post_attention_layernorm.weight'),
    c.eps,
  );

  const [gate, up] = ['gate_proj', 'up_proj'].map((n) => F.linear(attended.normed, w(`mlp.${n}.weight`))); // [B, T, I]
  const mlp = F.linear(F.mul(F.silu(gate), up), w('mlp.down_proj.weight'));
  const next = F.fusedSkipRmsNorm(attended.sum, mlp, nextNorm, c.eps);
  return { x: next.sum, h: next.normed };
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
      let h = F.fusedRmsNorm(x, p['layers.0.input_layernorm.weight'], c.eps);
      for (let l = 0; l < c.layers; l++) {
        const nextNorm = l + 1 < c.layers ? p[`layers.${l + 1}.input_layernorm.weight`] : p['norm.weight'];
        ({ x, h } = block(x, h, p, l, c, fz, nextNorm));
      }
      const d = F.sub(h, b.target); // h: the final norm of the last residual stream
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
