// Training steps (SFT, and PPO on packed rows) with two intra-op threads repeat bit for bit: the
// same state and batch give the same weights. They did not while embedding gradients were
// ScatterND(reduction="add"), whose CPU kernel adds from several threads without atomics
// (graph/ops/scatterRows.ts): runs with two threads differed from each other and from the exact
// gradient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP_PPO, randomPpoBatch } from '../../../bench/profile';
import type { HostTensor } from '../../../src/engine/core/hostTensor';
import { Rng } from '../../../src/engine/core/random';
import { shapesOf } from '../../../src/engine/maporl/ppo/critic';
import { ppoStepSpec } from '../../../src/engine/maporl/ppo/ppoGraph';
import { createPresetModel } from '../../../src/engine/nn/model';
import { TrainStep } from '../../../src/engine/runtime/trainStep';
import { collate } from '../../../src/engine/sft/batches';
import { sftStepSpec } from '../../../src/engine/sft/step';

/** Two optimizer steps from `init` on `batch`, twice over: the weights each time. */
async function twice(step: TrainStep, init: Record<string, HostTensor>, batch: Record<string, HostTensor>) {
  const after = async () => {
    const state = step.initState(init);
    for (let i = 0; i < 2; i++) await step.run(state, batch, 1e-3);
    return state.params;
  };
  return [await after(), await after()];
}

function assertSameWeights([a, b]: Record<string, HostTensor>[]): void {
  for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, `${name} differs between two runs`);
}

test('an SFT step of the tiny preset on 64 rows of 98 tokens repeats bit for bit at two threads', async () => {
  const vocab = 40;
  const model = await createPresetModel('tiny', vocab);
  const step = await TrainStep.compile(sftStepSpec(model, { weightDecay: 0.01, maxGradNorm: 1 }).spec, { threads: 2 });
  // Every id appears ~150 times in the batch: the rows of the embedding gradient sum many terms.
  const seqs = Array.from({ length: 64 }, (_, b) => ({
    ids: Array.from({ length: 99 }, (_, t) => ((b * 99 + t) * 7919) % vocab),
    promptLength: 50,
  }));
  assertSameWeights(await twice(step, model.weights, collate(seqs, 0)));
});

test('a PPO step of the tiny preset on packed rows (first- and later-turn prompts) repeats bit for bit at two threads', async () => {
  const lm = await createPresetModel('tiny', 40);
  const step = await TrainStep.compile(ppoStepSpec(lm.config, { params: shapesOf(lm.weights) }, GROUP_PPO), { threads: 2 });
  // As the suite's answer-only rows: prompts of 50 (first turn) and 80 tokens, responses of 18.
  const batch = randomPpoBatch(40, 64, { first: 50, later: 80, response: 18 }, new Rng(1, 'test/ppo-repeats'));
  assertSameWeights(await twice(step, lm.weights, batch));
});
