// ForwardInputs.queryIndex: a last layer that runs at chosen positions only gives, at those
// positions, the hidden states of the whole forward pass, on packed rows (segment ids) and on
// 0/1 masks, with the composite and the fused inference kernels. (Its gradients are checked by the
// PPO step against PyTorch, test/engine/maporl/ppoTorch.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { packedActionBatch } from '../../../src/engine/generate/actions';
import { bindWeights, tokenInputs } from '../../../src/engine/generate/graphs';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import type { ModelConfigInput } from '../../../src/engine/io/hfConfig';
import { llamaForward } from '../../../src/engine/nn/llama';
import { Session } from '../../../src/engine/runtime/session';
import { maxAbs, maxAbsDiff, randomModel } from './helpers';

const SEQS = [
  { prompt: [5, 6, 7, 8, 9, 10, 11], response: [12, 13, 14] }, // 10 tokens: a row of its own
  { prompt: [5, 20, 21], response: [22, 23] }, // 5 + 4 + ... share a row
  { prompt: [30, 31], response: [32] },
  { prompt: [40], response: [41, 42, 43] },
];

async function hiddenAt(
  arch: Partial<ModelConfigInput>,
  segments: boolean,
  fused: boolean,
  causalHalves = false,
  seqs = SEQS,
): Promise<[Float32Array, Float32Array]> {
  const model = await randomModel(arch, 7);
  const batch = packedActionBatch(seqs, 0).tensors;
  if (!segments) {
    // A 0/1 mask over the same rows: tokens of a row's sequences then see each other (causally).
    const mask = dataOf(batch.attention_mask, 'int64');
    batch.attention_mask = { ...batch.attention_mask, data: mask.map((m) => (m > 0n ? 1n : 0n)) };
  }
  const run = async (chosen: boolean, halves: boolean) => {
    const g = new Graph('hidden');
    const w = bindWeights(g, { weights: model.weights, trainable: new Set() });
    const inputs = tokenInputs(g);
    const query = g.input('query_index', 'int64', ['B', 'A']);
    const { hidden } = llamaForward(
      model.config,
      w,
      { ...inputs, queryIndex: chosen ? query : undefined },
      { segments, fused, causalHalves: halves },
    );
    // Without queryIndex, pick the same positions afterwards: [B, A, C] either way.
    g.output('hidden', chosen ? hidden : F.gather(F.reshape(hidden, [-1, model.config.hiddenSize]), query));
    const session = await Session.create(serialize(g), { threads: 1 });
    const { input_ids, positions, attention_mask, query_index } = batch;
    const out = await session.run({ input_ids, positions, attention_mask, query_index });
    await session.release();
    return dataOf(out.hidden, 'float32');
  };
  return [await run(false, false), await run(true, causalHalves)];
}

const ARCHS: Record<string, Partial<ModelConfigInput>> = {
  'GQA, 2 layers': {},
  'MHA with q/k/v bias, 3 layers': { numKeyValueHeads: 4, attentionBias: true, numHiddenLayers: 3 },
};

for (const [label, arch] of Object.entries(ARCHS))
  for (const segments of [true, false])
    for (const fused of [false, true])
      test(`queryIndex: hidden states at the chosen positions equal the full pass's (${label}, ${segments ? 'segment ids' : '0/1 mask'}${fused ? ', fused kernels' : ''})`, async () => {
        const [full, chosen] = await hiddenAt(arch, segments, fused);
        assert.ok(maxAbs(full) > 0.1, 'hidden states are not trivially small');
        assert.ok(maxAbsDiff(full, chosen) <= 1e-5, `max |difference| ${maxAbsDiff(full, chosen)}`);
      });

test('queryIndex with a KV cache is refused', async () => {
  const model = await randomModel({}, 7);
  const g = new Graph('x');
  const w = bindWeights(g, { weights: model.weights, trainable: new Set() });
  const t = (n: string) => g.input(n, 'int64', ['B', 'T']);
  const kv = { k: g.input('k', 'float32', ['B', 2, 'P', 8]), v: g.input('v', 'float32', ['B', 2, 'P', 8]) };
  assert.throws(
    () =>
      llamaForward(model.config, w, {
        inputIds: t('ids'),
        positions: t('pos'),
        attentionMask: g.input('mask', 'int64', ['B', 'S']),
        past: [kv, kv],
        queryIndex: g.input('q', 'int64', ['B', 'A']),
      }),
    /queryIndex/,
  );
});

// causalHalves: the same hidden states with each layer's causal attention split at ⌊T/2⌋, on an
// even and an odd T (the rows' length is the longest sequence's), with and without queryIndex.
const LENGTHS: [string, typeof SEQS][] = [
  ['T = 10', []],
  ['T = 11', [{ prompt: [50, 51, 52, 53, 54, 55, 56, 57], response: [58, 59, 60] }]],
];
for (const [label, extra] of LENGTHS)
  for (const segments of [true, false])
    test(`causalHalves: hidden states equal the full pass's (${label}, ${segments ? 'segment ids' : '0/1 mask'})`, async () => {
      const [full, split] = await hiddenAt({ numHiddenLayers: 3 }, segments, false, true, [...SEQS, ...extra]);
      assert.ok(maxAbsDiff(full, split) <= 1e-5, `max |difference| ${maxAbsDiff(full, split)}`);
    });
