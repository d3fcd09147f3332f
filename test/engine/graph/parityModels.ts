// TypeScript twins of test/reference/models.py, built with the graph DSL: a small MLP and a
// one-block Llama-style attention model (HF conventions, see models.py). Parameter names follow the
// HF checkpoint names so the two sides can be matched name for name.
import type { Tensor } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';

export type Tensors = Record<string, Tensor>;

// ---- MLP ---------------------------------------------------------------------------------------

export interface MlpConfig {
  inputs: number;
  hidden: number;
  classes: number;
}

export function mlpParamShapes(c: MlpConfig): Record<string, number[]> {
  return {
    'fc1.weight': [c.hidden, c.inputs],
    'fc1.bias': [c.hidden],
    'fc2.weight': [c.hidden, c.hidden],
    'fc2.bias': [c.hidden],
    'head.weight': [c.classes, c.hidden],
  };
}

/** x [B, Din] float, y [B] int64 -> mean cross-entropy (scalar). */
export function mlpLoss(p: Tensors, b: Tensors): Tensor {
  const h1 = F.silu(F.linear(b.x, p['fc1.weight'], p['fc1.bias']));
  const h2 = F.tanh(F.linear(h1, p['fc2.weight'], p['fc2.bias']));
  const logp = F.logSoftmax(F.linear(h2, p['head.weight']), -1); // [B, C]
  return F.neg(F.meanAll(F.gatherElements(logp, F.unsqueeze(b.y, [1]), 1)));
}

// ---- one-block attention model -----------------------------------------------------------------

export interface AttentionConfig {
  vocab: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  inter: number;
  eps: number;
  theta: number;
}

const L = 'model.layers.0.';

export function attentionParamShapes(c: AttentionConfig): Record<string, number[]> {
  const q = c.heads * c.headDim,
    kv = c.kvHeads * c.headDim;
  return {
    'model.embed_tokens.weight': [c.vocab, c.hidden],
    [`${L}input_layernorm.weight`]: [c.hidden],
    [`${L}self_attn.q_proj.weight`]: [q, c.hidden],
    [`${L}self_attn.k_proj.weight`]: [kv, c.hidden],
    [`${L}self_attn.v_proj.weight`]: [kv, c.hidden],
    [`${L}self_attn.o_proj.weight`]: [c.hidden, q],
    [`${L}post_attention_layernorm.weight`]: [c.hidden],
    [`${L}mlp.gate_proj.weight`]: [c.inter, c.hidden],
    [`${L}mlp.up_proj.weight`]: [c.inter, c.hidden],
    [`${L}mlp.down_proj.weight`]: [c.hidden, c.inter],
    'model.norm.weight': [c.hidden],
    'lm_head.weight': [c.vocab, c.hidden],
  };
}

/** [B, T, n*hd] -> [B, n, T, hd] */
function splitHeads(x: Tensor, n: number, hd: number): Tensor {
  return F.transpose(F.reshape(x, ['B', 'T', n, hd]), [0, 2, 1, 3]);
}

/** cos, sin [T, hd] of RoPE at positions 0..T-1 (HF: emb = cat(freqs, freqs)). */
function ropeTables(like: Tensor, c: AttentionConfig): [Tensor, Tensor] {
  const g = like.graph;
  const invFreq = Array.from({ length: c.headDim / 2 }, (_, i) => 1 / Math.pow(c.theta, (2 * i) / c.headDim));
  const pos = F.arange(g, 'T', like.dtype); // [T]
  const freqs = F.mul(F.unsqueeze(pos, [1]), g.constant(invFreq, like.dtype, [1, c.headDim / 2])); // [T, hd/2]
  const emb = F.concat([freqs, freqs], -1); // [T, hd]
  return [F.cos(emb), F.sin(emb)];
}

/**
 * Batch: ids, targets [B, T] int64 (targets = ids shifted by one), attnMask [B, T] bool (false on
 * padding keys), lossMask [B, T] float (1 where the target counts). Returns the masked mean NLL.
 */
export function attentionLoss(p: Tensors, b: Tensors, c: AttentionConfig): Tensor {
  const { heads: H, kvHeads: KV, headDim: hd, eps } = c;
  const rep = H / KV;
  const x0 = F.gather(p['model.embed_tokens.weight'], b.ids); // [B, T, D]

  // attention, grouped-query: query heads h = kv * rep + r share KV head kv (HF repeat_kv), done
  // by broadcasting KV over a `rep` axis instead of copying it.
  const h = F.rmsNorm(x0, p[`${L}input_layernorm.weight`], eps);
  const [cos, sin] = ropeTables(x0, c);
  const q = F.applyRope(splitHeads(F.linear(h, p[`${L}self_attn.q_proj.weight`]), H, hd), cos, sin); // [B, H, T, hd]
  const k = F.applyRope(splitHeads(F.linear(h, p[`${L}self_attn.k_proj.weight`]), KV, hd), cos, sin); // [B, KV, T, hd]
  const v = splitHeads(F.linear(h, p[`${L}self_attn.v_proj.weight`]), KV, hd);
  const q5 = F.reshape(q, ['B', KV, rep, 'T', hd]);
  const k5 = F.unsqueeze(k, [2]); // [B, KV, 1, T, hd]
  const v5 = F.unsqueeze(v, [2]);
  const scores = F.mul(F.matmul(q5, F.transposeLast2(k5)), 1 / Math.sqrt(hd)); // [B, KV, rep, T, T]
  const pos = F.arange(x0.graph, 'T');
  const allowed = F.and(F.causalAllowed(pos, pos), F.unsqueeze(b.attnMask, [1, 2, 3])); // [B, 1, 1, T, T]
  const probs = F.softmax(F.where(allowed, scores, -1e9), -1);
  const o = F.reshape(F.matmul(probs, v5), ['B', H, 'T', hd]); // [B, H, T, hd]
  const merged = F.reshape(F.transpose(o, [0, 2, 1, 3]), ['B', 'T', H * hd]);
  const x1 = F.add(x0, F.linear(merged, p[`${L}self_attn.o_proj.weight`]));

  // SwiGLU MLP: down(silu(gate(x)) * up(x))
  const h2 = F.rmsNorm(x1, p[`${L}post_attention_layernorm.weight`], eps);
  const act = F.mul(F.silu(F.linear(h2, p[`${L}mlp.gate_proj.weight`])), F.linear(h2, p[`${L}mlp.up_proj.weight`]));
  const x2 = F.add(x1, F.linear(act, p[`${L}mlp.down_proj.weight`]));

  const logp = F.logSoftmax(F.linear(F.rmsNorm(x2, p['model.norm.weight'], eps), p['lm_head.weight']), -1); // [B, T, V]
  const nll = F.neg(F.squeeze(F.gatherElements(logp, F.unsqueeze(b.targets, [-1]), -1), [-1])); // [B, T]
  return F.maskedMean(nll, b.lossMask);
}
