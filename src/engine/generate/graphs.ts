// The inference graphs of a causal LM: prefill (a left-padded prompt batch -> next-token distribution + KV
// cache), decode (one token per sequence against the cache) and scoring (log-probabilities of given
// next tokens). Weights named in `trainable` are graph inputs, fed at every run so the same session
// serves a policy whose weights change. Frozen weights are initializers, loaded once, unless the
// model is large (nn/frozen.ts): then they are fed too, read in place from the one copy the host
// holds, so the prefill, decode and scoring sessions of a 0.5B model do not each keep its weights
// and a model past protobuf's 2 GB still compiles.
import type { HostTensor } from '../core/hostTensor';
import { Graph, type Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { ModelConfig } from '../io/hfConfig';
import { EMBEDDABLE_BYTES, FROZEN_INITIALIZER_LIMIT, frozenBytes } from '../nn/frozen';
import { llamaForward, lmHead, type ForwardOptions, type LayerKV, type Weights } from '../nn/llama';
import { fuseHostProjections, partsOf } from '../nn/fusedProjections';
import { gemmLinear } from '../nn/linear';

export interface WeightBinding {
  /** All weights by HF name (float32). */
  weights: Record<string, HostTensor>;
  /** Names fed as inputs at run time; the rest become initializers (unless feedFrozen). */
  trainable: ReadonlySet<string>;
  /** Feed the frozen weights too (see weightBinding). */
  feedFrozen?: boolean;
  /**
   * Stack each layer's q/k/v and gate/up weights on the host (nn/fusedProjections.ts): bindWeights
   * and weightFeeds then give `qkv_proj`/`gate_up_proj` tensors in place of the separate ones, fed
   * when any of their parts is trainable. A decode step then runs one product for each stack and no
   * Concat of weights; the host copy is remade once per setWeights.
   */
  fuseProjections?: boolean;
  /**
   * The plain-op graphs: no ORT contrib kernels (RMSNorm, RoPE, residual-and-norm) and no stacked
   * projections. The reference the fused graphs are tested against, and a way round a provider
   * that lacks one of the contrib kernels.
   */
  plain?: boolean;
}

/** A binding that feeds the frozen weights when they pass `limit` bytes (frozenLimitFor). */
export function weightBinding(
  weights: Record<string, HostTensor>,
  trainable: ReadonlySet<string> = new Set(),
  limit = FROZEN_INITIALIZER_LIMIT,
): WeightBinding {
  const bytes = frozenBytes(weights, trainable);
  if (bytes <= limit && bytes > EMBEDDABLE_BYTES) {
    throw new Error(
      `${(bytes / 1e9).toFixed(2)} GB of frozen weights cannot be embedded in an ONNX model (protobuf's 2 GB limit): set runtime.frozenWeights to "auto" or "fed"`,
    );
  }
  return { weights, trainable, feedFrozen: bytes > limit };
}

/** A weight (or a stacked one, fed when any of its parts is) that the graphs take as an input. */
const isFed = (b: WeightBinding, name: string) => b.feedFrozen || partsOf(name).some((part) => b.trainable.has(part));

/** The binding's weights as the graphs see them: stacked where the binding says so. */
const graphWeights = (b: WeightBinding) => (b.fuseProjections && !b.plain ? fuseHostProjections(b.weights) : b.weights);

export function bindWeights(g: Graph, b: WeightBinding): Weights {
  const w: Weights = {};
  for (const [name, t] of Object.entries(graphWeights(b)))
    w[name] = isFed(b, name) ? g.input(name, 'float32', t.shape) : g.initializer(name, t);
  return w;
}

/** The weights a binding's graphs take as inputs, by name: the host's arrays (stacked ones are copies). */
export function weightFeeds(b: WeightBinding): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(graphWeights(b))) if (isFed(b, name)) feeds[name] = t;
  return feeds;
}

/**
 * Forward options of inference graphs: ORT's fused RMSNorm, residual + RMSNorm and RoPE kernels
 * (unless `plain`; stacked projections come with the weights, per `fuseProjections`) and, where
 * frozen weights are fed, linear layers that read W [out, in] in place (Gemm transB) instead of
 * transposing every weight at every run.
 */
export function inferenceOptions(b: WeightBinding): ForwardOptions & { head: (x: Tensor, w: Tensor) => Tensor } {
  const fused = !b.plain;
  return b.feedFrozen
    ? { fused, linear: (_m, x, weight, bias) => gemmLinear(x, weight, bias), head: gemmLinear }
    : { fused, head: F.linear };
}

/** The token inputs of a graph over whole rows: input_ids, positions, attention_mask, each [B, T] int64. */
export function tokenInputs(g: Graph): { inputIds: Tensor; positions: Tensor; attentionMask: Tensor } {
  return {
    inputIds: g.input('input_ids', 'int64', ['B', 'T']),
    positions: g.input('positions', 'int64', ['B', 'T']),
    attentionMask: g.input('attention_mask', 'int64', ['B', 'T']),
  };
}

/**
 * Inputs: input_ids, positions, attention_mask [B, T], temperature []; outputs: probs [B, V], the
 * next-token distribution at the last position, and new.{k,v}.L [B, KVH, T, D], the prompt's cache.
 */
export function buildPrefillGraph(cfg: ModelConfig, b: WeightBinding): Graph {
  const g = new Graph('prefill');
  const w = bindWeights(g, b);
  const o = inferenceOptions(b);
  const out = llamaForward(cfg, w, tokenInputs(g), o);
  // Only the last position's logits are needed to sample: slice before the LM head.
  const last = F.squeeze(F.takeLast(out.hidden, 1), [1]); // [B, C]
  outputNextToken(g, lmHead(cfg, w, last, o.head));
  outputCache(g, out.newKV);
  return g;
}

/**
 * One token per sequence against a cache of P slots (see KVCache). Inputs: input_ids, positions
 * [B, 1], past.{k,v}.L [B, KVH, P, D], attention_mask [B, P + 1] (1 for filled slots and for the new
 * token), temperature []; outputs: probs [B, V] and the new token's new.{k,v}.L [B, KVH, 1, D].
 */
export function buildDecodeGraph(cfg: ModelConfig, b: WeightBinding): Graph {
  const g = new Graph('decode');
  const w = bindWeights(g, b);
  const ids = g.input('input_ids', 'int64', ['B', 1]);
  const pos = g.input('positions', 'int64', ['B', 1]);
  const mask = g.input('attention_mask', 'int64', ['B', 'S']);
  const past: LayerKV[] = [];
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    past.push({
      k: g.input(`past.k.${l}`, 'float32', ['B', cfg.numKeyValueHeads, 'P', cfg.headDim]),
      v: g.input(`past.v.${l}`, 'float32', ['B', cfg.numKeyValueHeads, 'P', cfg.headDim]),
    });
  }
  const o = inferenceOptions(b);
  const out = llamaForward(cfg, w, { inputIds: ids, positions: pos, attentionMask: mask, past }, o);
  outputNextToken(g, lmHead(cfg, w, F.squeeze(out.hidden, [1]), o.head));
  outputCache(g, out.newKV);
  return g;
}

/**
 * Inputs: input_ids, positions, attention_mask, targets [B, T] (targets[t] = input_ids[t + 1]);
 * outputs: logprobs [B, T] = log p(targets[t] | ids[<= t]) and entropy [B, T] of each next-token
 * distribution. Positions without a target are masked by the caller.
 */
export function buildScoreGraph(cfg: ModelConfig, b: WeightBinding): Graph {
  const g = new Graph('score');
  const w = bindWeights(g, b);
  const inputs = tokenInputs(g);
  const targets = g.input('targets', 'int64', ['B', 'T']);
  const o = inferenceOptions(b);
  const { hidden } = llamaForward(cfg, w, inputs, o);
  const { logprobs, entropy } = tokenLogprobs(lmHead(cfg, w, hidden, o.head), targets);
  g.output('logprobs', logprobs);
  g.output('entropy', entropy);
  return g;
}

/**
 * Rows per run of a graph that materialises logits at every position ([B, T, V] plus the
 * log-softmax and exponentials made from them): at most `maxRows`, and few enough that the logits
 * stay within LOGITS_BUDGET floats. A 512-token vocabulary never hits it; Qwen2.5's 151936 at 200
 * tokens would need 7.8 GB for 64 rows, so it runs 2 at a time.
 */
export function rowsPerRun(seqLen: number, vocab: number, maxRows: number): number {
  return Math.max(1, Math.min(maxRows, Math.floor(LOGITS_BUDGET / Math.max(1, seqLen * vocab))));
}

/** 2^26 floats: 256 MB of logits per run. */
const LOGITS_BUDGET = 2 ** 26;

/** From logits [..., V] and target ids [...]: log-probabilities [...] and entropies [...]. */
export function tokenLogprobs(logits: Tensor, targets: Tensor): { logprobs: Tensor; entropy: Tensor } {
  const logp = F.logSoftmax(logits, -1);
  const last = logits.rank - 1;
  const picked = F.squeeze(F.gatherElements(logp, F.unsqueeze(targets, [last]), last), [last]);
  const entropy = F.neg(F.reduceSum(F.mul(F.exp(logp), logp), [-1]));
  return { logprobs: picked, entropy };
}

/**
 * The sampling distribution softmax(logits / temperature) [B, V]: the exponentials are computed
 * here, vectorised, rather than in the host's sampling loop, and the logits themselves never leave
 * the graph (one [B, V] output per step instead of two; 10 MB at batch 16 with a 150k vocabulary).
 */
function outputNextToken(g: Graph, logits: Tensor): void {
  const temperature = g.input('temperature', 'float32', []);
  g.output('probs', F.softmax(F.div(logits, temperature), -1));
}

function outputCache(g: Graph, newKV: LayerKV[]): void {
  newKV.forEach((kv, l) => {
    g.output(`new.k.${l}`, kv.k);
    g.output(`new.v.${l}`, kv.v);
  });
}
