// A training step with two intra-op threads repeats bit for bit: the same state and batch give the
// same weights. It did not while embedding gradients were ScatterND(reduction="add"), whose CPU
// kernel adds from several threads without atomics (graph/ops/scatterRows.ts): runs with two
// threads differed from each other, and from the exact gradient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
