// Training steps (SFT, and PPO on packed rows) with two intra-op threads repeat bit for bit: the
// same state and batch give the same weights. It did not while embedding gradients were ScatterND(reduction="add"), whose CPU
// kernel adds from several threads without atomics (graph/ops/scatterRows.ts): runs with two
// threads differed from each other, and from the exact gradient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/engine/core/random';
import { packedActionBatch } from '../../../src/engine/generate/actions';
import { shapesOf } from '../../../src/engine/maporl/ppo/critic';
import { ppoStepSpec } from '../../../src/engine/maporl/ppo/ppoGraph';
import { createPresetModel } from '../../../src/engine/nn/model';
import { TrainStep } from '../../../src/engine/runtime/trainStep';
import { collate } from '../../../src/engine/sft/batches';
import { sftStepSpec } from '../../../src/engine/sft/step';

test('an SFT step of the tiny preset on 64 rows of 98 tokens repeats bit for bit at two threads', async () => {
  const vocab = 40;
  const model = await createPresetModel('tiny', vocab);
  const step = await TrainStep.compile(sftStepSpec(model, { weightDecay: 0.01, maxGradNorm: 1 }).spec, { threads: 2 });
  // Every id appears ~150 times in the batch: the rows of the embedding gradient sum many terms.
  const seqs = Array.from({ length: 64 }, (_, b) => ({
    ids: Array.from({ length: 99 }, (_, t) => ((b * 99 + t) * 7919) % vocab),
    promptLength: 50,
  }));
  const batch = collate(seqs, 0);
  const after = async () => {
    const state = step.initState(model.weights);
    for (let i = 0; i < 2; i++) await step.run(state, batch, 1e-3);
    return state.params;
  };
  const [a, b] = [await after(), await after()];
  for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, `${name} differs between two runs`);
});

test('a PPO step of the tiny preset on packed rows (first- and later-turn prompts) repeats bit for bit at two threads', async () => {
  const lm = await createPresetModel('tiny', 40);
  const hyper = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 1, critic: false };
  const step = await TrainStep.compile(ppoStepSpec(lm.config, { params: shapesOf(lm.weights) }, hyper), { threads: 2 });
  const rng = new Rng(1, 'test/ppo-repeats');
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(3, lm.config.vocabSize - 1));
  // As the suite's answer-only rows: a third first-turn prompts (50 tokens), the rest later-turn ones (80).
  const seqs = Array.from({ length: 64 }, (_, i) => ({ prompt: tokens(i % 3 === 0 ? 50 : 80), response: tokens(18) }));
  const { tensors } = packedActionBatch(seqs, 0);
  const n = tensors.action_index.shape[0];
  const perAction = (f: () => number) => ({ dtype: 'float32' as const, shape: [n], data: Float32Array.from({ length: n }, f) });
  const batch = {
    ...tensors,
    temperature: { dtype: 'float32' as const, shape: [], data: Float32Array.of(0.7) },
    old_logprobs: perAction(() => -1 - rng.float()),
    advantages: perAction(() => rng.float() - 0.5),
  };
  const after = async () => {
    const state = step.initState(lm.weights);
    for (let i = 0; i < 2; i++) await step.run(state, batch, 1e-3);
    return state.params;
  };
  const [a, b] = [await after(), await after()];
  for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, `${name} differs between two runs`);
});
