// The Llama-family decoder as graph code, read top to bottom: RMSNorm -> attention (RoPE, grouped-
// query heads, optional q/k/v bias as in Qwen2) -> SwiGLU MLP -> block -> model. Parameter names are
// the Hugging Face tensor names (modeling_llama.py), so loading a checkpoint is a name-for-name copy.
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { Dim } from '../graph/shape';
import type { ModelConfig } from '../io/hfConfig';
import { fuseGraphProjections, fusedSizes } from './fusedProjections';
import { ropeInvFreq } from './rope';

/** Tensors by HF name; each is a graph input (trainable) or an initializer (frozen). */
export type Weights = Record<string, Tensor>;

// ---- parameter inventory -------------------------------------------------------------------------

/** Every parameter of the model with its HF name and shape ([out, in] for linear layers). */
export function llamaParamShapes(cfg: ModelConfig): Record<string, number[]> {
  const C = cfg.hiddenSize,
    I = cfg.intermediateSize,
    D = cfg.headDim;
  const q = cfg.numAttentionHeads * D,
    kv = cfg.numKeyValueHeads * D;
  const shapes: Record<string, number[]> = { 'model.embed_tokens.weight': [cfg.vocabSize, C] };
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    shapes[`${p}input_layernorm.weight`] = [C];
    shapes[`${p}self_attn.q_proj.weight`] = [q, C];
    shapes[`${p}self_attn.k_proj.weight`] = [kv, C];
    shapes[`${p}self_attn.v_proj.weight`] = [kv, C];
    if (cfg.attentionBias) {
      shapes[`${p}self_attn.q_proj.bias`] = [q];
      shapes[`${p}self_attn.k_proj.bias`] = [kv];
      shapes[`${p}self_attn.v_proj.bias`] = [kv];
    }
    shapes[`${p}self_attn.o_proj.weight`] = [C, q];
    if (cfg.attentionOutputBias) shapes[`${p}self_attn.o_proj.bias`] = [C];
    shapes[`${p}post_attention_layernorm.weight`] = [C];
    shapes[`${p}mlp.gate_proj.weight`] = [I, C];
    shapes[`${p}mlp.up_proj.weight`] = [I, C];
    shapes[`${p}mlp.down_proj.weight`] = [C, I];
  }
  shapes['model.norm.weight'] = [C];
  if (!cfg.tieWordEmbeddings) shapes['lm_head.weight'] = [cfg.vocabSize, C];
  return shapes;
}

// ---- building blocks -----------------------------------------------------------------------------

/** A key/value cache entry of one layer: [B, KVH, S, D]. */
export interface LayerKV {
  k: Tensor;
  v: Tensor;
}

/**
 * RoPE on [B, n, T, D] keys or queries at the model's positions. With the fused kernel the queries'
 * rotation also multiplies them by attention's 1/√D (its cos/sin tables scaled once per forward), so
 * no kernel scales the [.., T, S] scores: `scaled` says which.
 */
interface Rope {
  keys: (x: Tensor) => Tensor;
  queries: (x: Tensor) => Tensor;
  scaled: boolean;
}

/**
 * Queries at A chosen positions of each row instead of all T (the last layer under
 * ForwardInputs.queryIndex): their normed states [B, A, C], RoPE at their positions and the
 * attention bias [B, 1, 1, A, T] of each against the row's keys.
 */
interface Queries {
  x: Tensor;
  rope: Rope;
  bias: Tensor;
}

/**
 * Causal attention without a cache, its queries split at h = ⌊T/2⌋ (ForwardOptions.causalHalves):
 * the first h queries can see only the first h keys, so their scores are [h, h], and the rest
 * score against all T; a quarter of the T × T scores — all masked — is never computed.
 * `first` [B, 1, 1, h, h] and `second` [B, 1, 1, T-h, T] are the two parts of the attention bias.
 */
interface Halves {
  /** h and T as int64 [1]. */
  h: Tensor;
  len: Tensor;
  first: Tensor;
  second: Tensor;
}

/** The bias [B, 1, 1, T, T] of a no-cache pass cut for `Halves` (once per forward, shared by the layers). */
function halveBias(bias: Tensor, T: Dim): Halves {
  const g = bias.graph;
  const len = F.dimValue(g, T),
    zero = g.constant([0], 'int64');
  const h = F.div(len, 2);
  const top = F.sliceBetween(bias, 3, zero, h); // [B, 1, 1, h, T]
  return { h, len, first: F.sliceBetween(top, 4, zero, h, top.shape[3]), second: F.sliceBetween(bias, 3, h, len) };
}

/**
 * RoPE at positions [B, T]. Composite: cos/sin tables [B, 1, T, D] broadcast against x. Fused (ORT's
 * RotaryEmbedding): the angles of the B*T positions [B*T, D/2] serve as the kernel's cos/sin cache,
 * indexed by 0..B*T-1, so no table of every position up to max_position_embeddings is stored.
 */
function rope(cfg: ModelConfig, positions: Tensor, like: Tensor, fused: boolean): Rope {
  const g = positions.graph;
  const invFreq = g.constant(Array.from(ropeInvFreq(cfg)), 'float32', [1, 1, cfg.headDim / 2]);
  if (fused) {
    const flat = F.reshape(F.cast(positions, 'float32'), [1, -1, 1]); // [1, B*T, 1]
    const angles = F.squeeze(F.mul(flat, invFreq), [0]); // [B*T, D/2]
    const cos = F.cast(F.cos(angles), like.dtype),
      sin = F.cast(F.sin(angles), like.dtype);
    const index = F.reshapeLike(F.arange(g, angles.shape[0]), positions); // [B, T]
    const scale = 1 / Math.sqrt(cfg.headDim);
    const [qCos, qSin] = [F.mul(cos, scale), F.mul(sin, scale)]; // s·R(θ) x: the rotation is linear
    return { keys: (x) => F.fusedRope(x, index, cos, sin), queries: (x) => F.fusedRope(x, index, qCos, qSin), scaled: true };
  }
  const freqs = F.mul(F.unsqueeze(F.cast(positions, 'float32'), [2]), invFreq); // [B, T, D/2]
  const emb = F.concat([freqs, freqs], -1); // [B, T, D]: the two halves rotate together (rotate_half)
  const cos = F.unsqueeze(F.cast(F.cos(emb), like.dtype), [1]);
  const sin = F.unsqueeze(F.cast(F.sin(emb), like.dtype), [1]);
  const plain = (x: Tensor) => F.applyRope(x, cos, sin);
  return { keys: plain, queries: plain, scaled: false };
}

/**
 * Self-attention of T new tokens over `past` (the cache slots [B, KVH, P, D], some of them possibly
 * unfilled and masked off) and over themselves. The cache is never concatenated with the new keys:
 * scores against the two parts are joined instead ([B, KVH, rep, T, P + T], small), so a decode step
 * reads the cache once and copies none of it. Returns the output [B, T, C] and the new tokens' keys
 * and values [B, KVH, T, D] (after RoPE), which the caller writes into its cache.
 */
function attention(
  cfg: ModelConfig,
  lin: Linear,
  project: Projections,
  p: string,
  x: Tensor,
  applyRope: Rope,
  maskBias: Tensor,
  past: LayerKV | undefined,
  kvLen: Dim,
  queries?: Queries,
  halves?: Halves,
): { out: Tensor; newKV: LayerKV } {
  const [B, T] = x.shape;
  const Tq = queries ? queries.x.shape[1] : T;
  const H = cfg.numAttentionHeads,
    KVH = cfg.numKeyValueHeads,
    D = cfg.headDim,
    rep = H / KVH;
  // Decoding one token a row over a cache: moving a size-1 axis is a reshape, not a transpose, and
  // the new token's score against its own key (and its share of the context) are products of
  // [1, D] by [D, 1] — an elementwise product and a sum, where a batched MatMul of 4·B·H tiny
  // products cost a fifth of the decode step's kernel time (bench/profile.ts --graph=decode).
  const single = past !== undefined && T === 1;
  const heads = (t: Tensor, n: number, len = T) =>
    single ? F.reshape(t, [B, n, 1, D]) : F.transpose(F.reshape(t, [B, len, n, D]), [0, 2, 1, 3]); // [B, n, len, D]
  const proj = project(p, x, queries?.x);
  const q = (queries?.rope ?? applyRope).queries(heads(proj.q, H, Tq)); // [B, H, Tq, D]
  const k = applyRope.keys(heads(proj.k, KVH));
  const v = heads(proj.v, KVH);
  // Grouped-query attention without copying K/V: query heads h = kv*rep + r share kv head `kv`,
  // so q is viewed as [B, KVH, rep, T, D] and K/V broadcast over `rep` (HF's repeat_kv order).
  // (Merging rep and T into the rows of one product instead measured 10-20% slower in decode.)
  const qg = F.reshape(q, [B, KVH, rep, Tq, D]);
  const grouped = (t: Tensor) => F.unsqueeze(t, [2]); // [B, KVH, 1, n, D]
  const scoresOf = (qs: Tensor, keys: Tensor) => F.matmul(qs, F.transposeLast2(grouped(keys))); // [B, KVH, rep, Tq, n]
  const scoresAgainst = (keys: Tensor) => scoresOf(qg, keys);
  const scaled = (scores: Tensor) => (applyRope.scaled ? scores : F.mul(scores, 1 / Math.sqrt(D)));
  const attend = (scores: Tensor, bias: Tensor) => F.softmax(F.add(scaled(scores), bias), -1);
  if (halves && !past && !queries) {
    const zero = x.graph.constant([0], 'int64');
    const [h, rest] = [halves.first.shape[3], halves.second.shape[3]];
    const early = (t: Tensor, axis: number) => F.sliceBetween(t, axis, zero, halves.h, h);
    const q1 = early(qg, 3),
      q2 = F.sliceBetween(qg, 3, halves.h, halves.len, rest);
    const k1 = early(k, 2),
      v1 = early(v, 2);
    const ctx1 = F.matmul(attend(scoresOf(q1, k1), halves.first), grouped(v1)); // [B, KVH, rep, h, D]
    const ctx2 = F.matmul(attend(scoresOf(q2, k), halves.second), grouped(v)); // [B, KVH, rep, T-h, D]
    return { out: lin(`${p}o_proj`, mergeHeads(F.concat([ctx1, ctx2], 3, T))), newKV: { k, v } };
  }
  let ctx: Tensor; // [B, KVH, rep, Tq, D]
  const selfScore = single ? F.reduceSum(F.mul(qg, grouped(k)), [-1], true) : scoresAgainst(k); // [B, KVH, rep, T, T]
  const raw = past ? F.concat([scoresAgainst(past.k), selfScore], -1, kvLen) : selfScore;
  const probs = attend(raw, queries?.bias ?? maskBias); // [B, KVH, rep, Tq, S]
  if (past) {
    const P = past.k.shape[2];
    const own = F.slice(probs, -1, P, kvLen, T); // [B, KVH, rep, T, T]
    ctx = F.add(F.matmul(F.slice(probs, -1, 0, P), grouped(past.v)), single ? F.mul(own, grouped(v)) : F.matmul(own, grouped(v)));
  } else {
    ctx = F.matmul(probs, grouped(v));
  }
  return { out: lin(`${p}o_proj`, mergeHeads(ctx)), newKV: { k, v } };

  /** [B, KVH, rep, Tq, D] -> [B, Tq, H*D]. */
  function mergeHeads(c: Tensor): Tensor {
    return single
      ? F.reshape(c, [B, 1, H * D])
      : F.reshape(F.transpose(F.reshape(c, [B, H, Tq, D]), [0, 2, 1, 3]), [B, Tq, H * D]);
  }
}

/** SwiGLU: down(silu(gate(x)) * up(x)), gate and up as one product where their weights are stacked. */
function mlp(cfg: ModelConfig, w: Weights, lin: Linear, p: string, x: Tensor): Tensor {
  const [gate, up] = w[`${p}gate_up_proj.weight`]
    ? F.split(lin(`${p}gate_up_proj`, x), -1, fusedSizes(cfg, 'mlp.gate_up_proj')) // [B, T, 2 I] -> 2 x [B, T, I]
    : [lin(`${p}gate_proj`, x), lin(`${p}up_proj`, x)];
  return lin(`${p}down_proj`, F.mul(F.silu(gate), up));
}

/**
 * The projections of attention from normed states x [B, T, C]: q [B, Tq, H D] (of `queriesX`
 * [B, Tq, C] when given, else of x), k and v [B, T, KVH D]. One product and a Split where the
 * weights are stacked (nn/fusedProjections.ts); the last layer under queryIndex keeps q apart
 * when it can, so that q is computed at its A positions only.
 */
type Projections = (p: string, x: Tensor, queriesX?: Tensor) => { q: Tensor; k: Tensor; v: Tensor };

function projections(cfg: ModelConfig, w: Weights, lin: Linear): Projections {
  const sizes = fusedSizes(cfg, 'self_attn.qkv_proj');
  return (p, x, queriesX) => {
    if (!w[`${p}qkv_proj.weight`] || (queriesX && w[`${p}q_proj.weight`]))
      return { q: lin(`${p}q_proj`, queriesX ?? x), k: lin(`${p}k_proj`, x), v: lin(`${p}v_proj`, x) };
    const [q, k, v] = F.split(lin(`${p}qkv_proj`, x), -1, sizes);
    return { q: queriesX ? F.split(lin(`${p}qkv_proj`, queriesX), -1, sizes)[0] : q, k, v };
  };
}

/**
 * Additive attention bias [B, 1, 1, T, S]: 0 where query t may attend key s, a large negative
 * number elsewhere. Keys are the S = P + T positions of the cache plus the new tokens; a key is
 * visible when it is not padding (attentionMask [B, S] = 1) and not in the future of the query.
 */
export function attentionBias(attentionMask: Tensor, T: Dim, dtype: Tensor['dtype'], segments = false): Tensor {
  const g = attentionMask.graph;
  const S = attentionMask.shape[1];
  const pastLen = F.squeeze(F.sub(F.dimValue(g, S), F.dimValue(g, T)), [0]); // P = S - T
  const qIdx = F.arange(g, T, 'int64', pastLen); // [T]: absolute index of each query
  const kIdx = F.arange(g, S, 'int64'); // [S]
  const causal = F.causalAllowed(qIdx, kIdx); // [T, S]
  const notPad = F.unsqueeze(F.cast(attentionMask, 'bool'), [1, 2, 3]); // [B, 1, 1, 1, S]
  let allowed = F.and(notPad, causal);
  if (segments) {
    // Packed rows (no cache, S = T): a query sees only keys of its own sequence (equal mask values).
    const same = F.equal(F.unsqueeze(attentionMask, [1, 2, 4]), F.unsqueeze(attentionMask, [1, 2, 3])); // [B, 1, 1, T, S]
    allowed = F.and(allowed, same);
  }
  return additive(allowed, dtype);
}

/** 0 where `allowed`, a large negative number elsewhere: the bias added to attention scores. */
function additive(allowed: Tensor, dtype: Tensor['dtype']): Tensor {
  const g = allowed.graph;
  return F.where(allowed, g.constant(0, dtype), g.constant(-1e9, dtype));
}

/**
 * Additive bias [B, 1, 1, A, T] of the queries at `queryIndex` [B, A] (flat positions into B*T,
 * each in its own row) against the T keys of their row: a key is visible when it is in the
 * query's segment (attentionMask [B, T], segment ids or 0/1) and not after it.
 */
function queryBias(attentionMask: Tensor, queryIndex: Tensor, dtype: Tensor['dtype']): Tensor {
  const g = attentionMask.graph;
  const [B, T] = attentionMask.shape;
  const rowStart = F.unsqueeze(F.mul(F.arange(g, B, 'int64'), F.dimValue(g, T)), [1]); // [B, 1]
  const queryPos = F.unsqueeze(F.sub(queryIndex, rowStart), [2]); // [B, A, 1]: index within the row
  const querySegment = F.unsqueeze(F.gather(F.reshape(attentionMask, [-1]), queryIndex), [2]); // [B, A, 1]
  const keyPos = F.arange(g, T, 'int64'); // [T]
  const allowed = F.and(F.lessOrEqual(keyPos, queryPos), F.equal(F.unsqueeze(attentionMask, [1]), querySegment)); // [B, A, T]
  return F.unsqueeze(additive(allowed, dtype), [1, 2]);
}

// ---- the model -----------------------------------------------------------------------------------

export interface ForwardInputs {
  /** int64 [B, T] */
  inputIds: Tensor;
  /** int64 [B, T]: position ids (with left padding, counted from the first real token). */
  positions: Tensor;
  /**
   * int64 [B, S] with S = P + T: 1 for real tokens of the cache and the input, 0 for padding; with
   * `segments`, the id of each token's sequence in a packed row (1, 2, …; 0 for padding).
   */
  attentionMask: Tensor;
  /** Per layer, the cache of earlier tokens [B, KVH, P, D]; slots masked off in attentionMask are ignored. */
  past?: LayerKV[];
  /**
   * int64 [B, A]: the only positions (flat into B*T, row b's in row b) whose outputs are wanted.
   * The last layer then computes queries, attention and MLP at these A positions alone (its keys
   * and values still at all T), and `hidden` is [B, A, C]. Without a cache. Where A ≪ T — the
   * response tokens of PPO's sequences — this removes most of the last layer's T² attention.
   */
  queryIndex?: Tensor;
}

export interface ForwardOutputs {
  /** Final hidden states after the last norm [B, T, C] ([B, A, C] with queryIndex). */
  hidden: Tensor;
  /** Per layer, keys and values of the T input tokens [B, KVH, T, D], for the caller's cache. */
  newKV: LayerKV[];
}

/**
 * Computes one linear layer y = x W^T (+ b). `module` is its HF module name (e.g.
 * `model.layers.0.self_attn.q_proj`); `weight` [out, in] and `bias` [out] are its tensors.
 */
export type LinearHook = (module: string, x: Tensor, weight: Tensor, bias: Tensor | undefined) => Tensor;

export interface ForwardOptions {
  /** Replaces the plain linear layers of the blocks (LoRA adapters hook in here, see lora.ts). */
  linear?: LinearHook;
  /**
   * ORT's fused kernels for RMSNorm, residual + RMSNorm and RoPE (graph/ops/fused.ts), with VJPs
   * written out in plain ops: fewer, larger kernels for generation, scoring and training alike.
   * Default on; off gives the plain-op graph (the reference the fused one is tested against).
   */
  fused?: boolean;
  /**
   * Stack each layer's q/k/v and gate/up weights in the graph (a Concat; its gradient is a split)
   * and run one product for each stack instead of three and two (nn/fusedProjections.ts). Weights
   * already stacked on the host (`self_attn.qkv_proj`, `mlp.gate_up_proj`: LMRuntime's graphs) are
   * used either way. Default off: in a training step the Split of the stacked output and the Concat
   * of its gradient copy about what the fewer launches save (the `tiny` PPO step measured 3-6%
   * slower stacked; docs/performance.md). Not with a `linear` hook that adapts modules by name (LoRA).
   */
  fuseProjections?: boolean;
  /**
   * Rows pack several sequences (generate/actions.ts packedActionBatch): attentionMask holds segment
   * ids and a token attends within its segment only. Without a cache; 0/1 masks mean what they did.
   */
  segments?: boolean;
  /**
   * Without a cache, split each layer's causal attention at half the sequence (`Halves`): a
   * quarter fewer scores for more, smaller kernels. Pays where T is hundreds (PPO's packed rows).
   */
  causalHalves?: boolean;
}

/** A linear layer by module name, bound to the weights. */
type Linear = (module: string, x: Tensor) => Tensor;

export function llamaForward(
  cfg: ModelConfig,
  weights: Weights,
  inp: ForwardInputs,
  options: ForwardOptions = {},
): ForwardOutputs {
  const w = options.fuseProjections ? fuseGraphProjections(weights) : weights;
  const hook: LinearHook = options.linear ?? ((_m, x, weight, bias) => F.linear(x, weight, bias));
  const lin: Linear = (m, x) => hook(m, x, w[`${m}.weight`], w[`${m}.bias`]);
  const embed = w['model.embed_tokens.weight'];
  let x = F.gather(embed, inp.inputIds); // [B, T, C]
  const T = inp.inputIds.shape[1];
  const fused = options.fused ?? true;
  const norm = (t: Tensor, weight: string) => (fused ? F.fusedRmsNorm : F.rmsNorm)(t, w[weight], cfg.rmsNormEps);
  // The residual sum x + y and its norm [B, T, C]: one kernel in the fused graphs.
  const addNorm = (x: Tensor, y: Tensor, weight: string) => {
    if (fused) return F.fusedSkipRmsNorm(x, y, w[weight], cfg.rmsNormEps);
    const sum = F.add(x, y);
    return { sum, normed: norm(sum, weight) };
  };
  const project = projections(cfg, w, lin);
  const applyRope = rope(cfg, inp.positions, x, fused);
  if (options.segments && inp.past) throw new Error('packed sequences (segments) are scored without a KV cache');
  if (inp.queryIndex && inp.past) throw new Error('queryIndex: outputs at chosen positions are computed without a KV cache');
  const bias = attentionBias(inp.attentionMask, T, x.dtype, options.segments);
  const halves = options.causalHalves && !inp.past ? halveBias(bias, T) : undefined;
  const kvLen = inp.attentionMask.shape[1];
  const newKV: LayerKV[] = [];
  const last = cfg.numHiddenLayers - 1;
  let normed = norm(x, 'model.layers.0.input_layernorm.weight');
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    let queries: Queries | undefined;
    if (l === last && inp.queryIndex) {
      const pick = (t: Tensor) => F.gather(F.reshape(t, [-1, t.shape[2]]), inp.queryIndex!); // [B, T, *] -> [B, A, *]
      const positions = F.gather(F.reshape(inp.positions, [-1]), inp.queryIndex); // [B, A]
      queries = {
        x: pick(normed),
        rope: rope(cfg, positions, x, fused),
        bias: queryBias(inp.attentionMask, inp.queryIndex, x.dtype),
      };
      x = pick(x); // the residual stream from here on: [B, A, C]
    }
    const a = attention(cfg, lin, project, `${p}self_attn.`, normed, applyRope, bias, inp.past?.[l], kvLen, queries, halves);
    const attended = addNorm(x, a.out, `${p}post_attention_layernorm.weight`);
    const next = l === last ? 'model.norm.weight' : `model.layers.${l + 1}.input_layernorm.weight`;
    ({ sum: x, normed } = addNorm(attended.sum, mlp(cfg, w, lin, `${p}mlp.`, attended.normed), next));
    newKV.push(a.newKV);
  }
  return { hidden: normed, newKV };
}

/**
 * Logits [..., V] from final hidden states (tied embeddings when the config says so); `linear` as
 * in ForwardOptions (gemmLinear where the weights are fed rather than embedded).
 */
export function lmHead(
  cfg: ModelConfig,
  w: Weights,
  hidden: Tensor,
  linear: (x: Tensor, weight: Tensor) => Tensor = F.linear,
): Tensor {
  return linear(hidden, cfg.tieWordEmbeddings ? w['model.embed_tokens.weight'] : w['lm_head.weight']);
}
