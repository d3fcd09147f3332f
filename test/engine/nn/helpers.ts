// Shared by the model tests: model directories with random weights that give non-trivial logits,
// and the logits of a left-padded batch computed by our graph.
import { dataOf, type HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph } from '../../../src/engine/graph/graph';
import { serialize } from '../../../src/engine/graph/serialize';
import { bindWeights, tokenInputs } from '../../../src/engine/generate/graphs';
import { leftPad } from '../../../src/engine/generate/runtime';
import { completeModelConfig, type ModelConfig, type ModelConfigInput } from '../../../src/engine/io/hfConfig';
import { llamaForward, llamaParamShapes, lmHead, type ForwardOptions, type Weights } from '../../../src/engine/nn/llama';
import { createPresetModel, type CausalLM } from '../../../src/engine/nn/model';
import { Session } from '../../../src/engine/runtime/session';
import { rng } from '../../helpers/rng';

/**
 * A model of the built-in tokenizer's vocabulary with the given architecture and weights drawn
 * wide enough (matrices ±0.25, norms 0.5..1.5, biases ±0.2) that logits spread over several units:
 * HF's N(0, 0.02) initialisation gives logits so close to zero that a wrong rotation or mask could
 * hide below the tolerance.
 */
export async function randomModel(
  arch: Partial<ModelConfigInput>,
  seed: number,
): Promise<CausalLM & { tokenizerFiles: Record<string, string> }> {
  const base = await createPresetModel('tiny', seed);
  const config = completeModelConfig({
    hiddenSize: 32,
    intermediateSize: 48,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    vocabSize: base.tokenizer.vocabSize,
    bosTokenId: 1,
    eosTokenId: 2,
    padTokenId: 0,
    ...arch,
  });
  return { ...base, config, weights: randomWeights(config, seed) };
}

export function randomWeights(config: ModelConfig, seed: number): Record<string, HostTensor> {
  const r = rng(seed);
  const weights: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(llamaParamShapes(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const [lo, hi] = name.endsWith('norm.weight') ? [0.5, 1.5] : name.endsWith('.bias') ? [-0.2, 0.2] : [-0.25, 0.25];
    for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
    weights[name] = { dtype: 'float32', shape, data };
  }
  return weights;
}

/**
 * Logits of each row's real positions ([len, V] flattened), the rows run as one left-padded batch.
 * `extra` weights (e.g. LoRA adapters) are bound like the model's and passed to `options`;
 * `fused` builds the graph with ORT's fused inference kernels (as generation and scoring do).
 */
export async function batchLogits(
  model: Pick<CausalLM, 'config' | 'weights'>,
  rows: number[][],
  pad: number,
  extra?: { weights: Record<string, HostTensor>; options: (w: Weights) => ForwardOptions },
  fused = false,
): Promise<Float32Array[]> {
  const g = new Graph('logits');
  const w = bindWeights(g, { weights: model.weights, trainable: new Set() });
  const ew = extra ? bindWeights(g, { weights: extra.weights, trainable: new Set() }) : {};
  const { hidden } = llamaForward(model.config, w, tokenInputs(g), { ...extra?.options(ew), fused });
  g.output('logits', lmHead(model.config, w, hidden));
  const session = await Session.create(serialize(g), { threads: 1 });
  const batch = leftPad(rows, pad);
  const out = await session.run({ input_ids: batch.ids, positions: batch.positions, attention_mask: batch.mask });
  await session.release();
  const logits = dataOf(out.logits, 'float32');
  const V = model.config.vocabSize;
  return rows.map((r, b) => logits.slice((b * batch.T + batch.T - r.length) * V, (b + 1) * batch.T * V));
}

/** max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
