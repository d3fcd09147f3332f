// The inference graphs on ORT's contrib kernels (SimplifiedLayerNormalization,
// SkipSimplifiedLayerNormalization, RotaryEmbedding) with stacked q/k/v and gate/up projections
// compute what the plain-op graphs compute on the same weights: log-probabilities within 2e-5 and
// entropies within 5e-5 (float32; observed ~1e-6), the same greedy tokens, and the same sampled
// tokens for a seed — for a GQA model, one with q/k/v biases (Qwen2), and with trainable weights
// fed at each run (the policy's case, where the stacks are made on the host and remade after
// setWeights).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecodeGraph, type WeightBinding } from '../../../src/engine/generate/graphs';
import { LMRuntime } from '../../../src/engine/generate/runtime';
import type { CausalLM } from '../../../src/engine/nn/model';
import { maxAbsDiff, randomModel } from '../nn/helpers';

const PROMPTS = ['Tom has 3 bags of 4 pens.', 'x', 'Eve buys 12 more cups, then gives 5 to Bo. How many?'];
const GREEDY = { temperature: 0, topK: 0, topP: 1, maxNewTokens: 10, seed: 1 };
const SAMPLED = { temperature: 1, topK: 0, topP: 1, maxNewTokens: 10, seed: 5 };

async function compare(model: CausalLM, trainable: string[] = []) {
  const fused = await LMRuntime.create(model, { trainable });
  const plain = await LMRuntime.create(model, { trainable, plainGraphs: true });
  const prompts = PROMPTS.map((s) => model.tokenizer.encode(s));
  for (const options of [GREEDY, SAMPLED]) {
    const [a, b] = [await fused.generate(prompts, options), await plain.generate(prompts, options)];
    a.forEach((gen, i) => {
      assert.deepEqual(gen.tokens, b[i].tokens, `prompt ${i}, temperature ${options.temperature}`);
      assert.ok(maxAbsDiff(gen.logprobs, b[i].logprobs) <= 2e-5, `prompt ${i}: sampled-token log-probabilities`);
    });
    const sequences = a.map((gen, i) => [...prompts[i], ...gen.tokens]);
    const [sa, sb] = [await fused.score(sequences), await plain.score(sequences)];
    sequences.forEach((_, i) => {
      const real = (xs: number[]) => xs.slice(1); // position 0 has no log-probability (NaN)
      assert.ok(maxAbsDiff(real(sa.logprobs[i]), real(sb.logprobs[i])) <= 2e-5, `sequence ${i}: scored log-probabilities`);
      assert.ok(maxAbsDiff(real(sa.entropy[i]), real(sb.entropy[i])) <= 5e-5, `sequence ${i}: entropies`);
    });
  }
  return { fused, plain };
}

test('fused inference graphs equal the plain-op graphs: GQA, tied embeddings', async () => {
  await compare(await randomModel({ tieWordEmbeddings: true }, 3));
});

test('fused inference graphs equal the plain-op graphs: q/k/v biases (Qwen2), untied head, MHA', async () => {
  await compare(await randomModel({ modelType: 'qwen2', attentionBias: true, numKeyValueHeads: 4, tieWordEmbeddings: false }, 4));
});

test('trainable weights: stacked on the host from the fed tensors, and restacked after setWeights', async () => {
  const model = await randomModel({}, 5);
  const trainable = Object.keys(model.weights).filter((n) => n.includes('layers.1.') || n.includes('embed'));
  const { fused, plain } = await compare(model, trainable);
  // New values for the trainable weights: both runtimes must see them (the fused one through its stacks).
  const changed = Object.fromEntries(
    trainable.map((n) => {
      const t = model.weights[n];
      return [n, { ...t, data: (t.data as Float32Array).map((x, i) => x * (1 + 0.3 * Math.sin(i))) }];
    }),
  );
  fused.setWeights(changed);
  plain.setWeights(changed);
  const prompts = PROMPTS.map((s) => model.tokenizer.encode(s));
  const [a, b] = [await fused.generate(prompts, GREEDY), await plain.generate(prompts, GREEDY)];
  a.forEach((gen, i) => assert.deepEqual(gen.tokens, b[i].tokens, `prompt ${i} after setWeights`));
});

test('the fused decode graph has one product per stack and residual adds inside the norms', async () => {
  const model = await randomModel({}, 6);
  const count = (b: WeightBinding) => {
    const ops = buildDecodeGraph(model.config, b).nodes.map((n) => n.op.name);
    return (name: string) => ops.filter((o) => o === name).length;
  };
  const L = model.config.numHiddenLayers;
  const fused = count({ weights: model.weights, trainable: new Set(), fuseProjections: true });
  const plain = count({ weights: model.weights, trainable: new Set(), plain: true });
  // Per layer: qkv and gate_up (fused) where the plain graph has q, k, v, gate and up.
  assert.equal(plain('MatMul') - fused('MatMul'), 3 * L);
  assert.equal(fused('SkipSimplifiedLayerNormalization'), 2 * L);
  assert.equal(plain('SkipSimplifiedLayerNormalization') + plain('RotaryEmbedding') + plain('SimplifiedLayerNormalization'), 0);
});
