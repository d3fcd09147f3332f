// NaN or ±Inf injected into a PPO batch (a verifier reward, an advantage, an old log-probability)
// skips the optimizer step and reports it (UpdateStats.skippedSteps, which the trainer logs as a
// warning), and leaves the weights and AdamW moments exactly as they were: the test saves a checkpoint
// after the poisoned update, reads it back and compares byte for byte. A clean update afterwards
// still trains (the state was not poisoned).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { HostTensor } from '../../src/engine/core/hostTensor';
import { loadCheckpointPolicy, saveCheckpoint } from '../../src/engine/maporl/run/checkpoint';
import { parseConfig } from '../../src/engine/maporl/config';
import { Policy, type PpoSample, type PolicyState } from '../../src/engine/maporl/ppo/policy';
import { ppoUpdate, type Rollout } from '../../src/engine/maporl/ppo/ppoUpdate';
import { createPresetModel } from '../../src/engine/nn/model';
import { ppoHyper } from '../../src/engine/maporl/ppo/team';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-nan-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
// GAE with a separate critic (the default): the batch carries returns and old values as well.
const config = parseConfig({ training: { ppo: { minibatchSize: 4, epochs: 1, lr: 1e-2, advantage: 'gae' } } });
const ppo = config.training.ppo;

type Bytes = Record<string, Buffer>;
/** Every parameter and moment of a state as bytes, by name. */
function bytesOf(s: PolicyState): Bytes {
  const out: Bytes = {};
  for (const [group, tensors] of [
    ['p', s.params],
    ['m', s.m],
    ['v', s.v],
  ] as const) {
    for (const [n, t] of Object.entries(tensors as Record<string, HostTensor>))
      out[`${group}.${n}`] = Buffer.from((t.data as Float32Array).slice().buffer);
  }
  return out;
}
const differing = (a: Bytes, b: Bytes) => Object.keys(a).filter((k) => !b[k] || !a[k].equals(b[k]));

/** The state as a checkpoint saved now and read back holds it. */
type Base = Awaited<ReturnType<typeof createPresetModel>>;
async function readBack(base: Base, policy: Policy, name: string): Promise<PolicyState> {
  const dir = await saveCheckpoint(path.join(root, name), {
    state: {
      iteration: 1,
      policySharing: 'shared',
      policies: 1,
      agents: 1,
      turns: 1,
      optimizerSteps: [policy.state.step],
      verifier: 'ground-truth',
    },
    policies: [{ config: base.config, train: policy.state, tokenizer: { files: base.tokenizerFiles } }],
  });
  return (await loadCheckpointPolicy(dir, 0, policy.state.step)).train;
}

async function setup() {
  const base = await createPresetModel('tiny', 5);
  const policy = await Policy.create('p', base, ppoHyper(config), { threads: 1 }, 1);
  const enc = (s: string) => base.tokenizer.encode(s, { addSpecialTokens: false });
  const rollout = (q: string, a: string, reward: number, question: number): Rollout => ({
    policy,
    prompt: [1, ...enc(q)],
    response: enc(a),
    reward,
    turn: 0,
    agent: 0,
    question,
  });
  // One clean update first, so that the moments are not all zero.
  const warm = await ppoUpdate(
    [rollout('1+1=', ' 2', 1, 0), rollout('1+1=', ' 3', 0, 0), rollout('2+2=', ' 4', 1, 1), rollout('2+2=', ' 5', 0, 1)],
    ppo,
    1,
  );
  assert.equal(warm.skippedSteps, 0);
  return { base, policy, rollout };
}

for (const poison of [NaN, Infinity, -Infinity]) {
  test(`a ${poison} reward in a batch: the step is skipped and reported, weights and moments read back unchanged`, async () => {
    const { base, policy, rollout } = await setup();
    const before = bytesOf(policy.state);
    const step = policy.state.step;
    const stats = await ppoUpdate(
      [rollout('3+4=', ' 7', 1, 0), rollout('3+4=', ' 8', poison, 0), rollout('5+1=', ' 6', 1, 1), rollout('5+1=', ' 9', 0, 1)],
      ppo,
      2,
    );
    assert.ok(stats.skippedSteps >= 1 && stats.skippedSteps === stats.steps, `skipped ${stats.skippedSteps} of ${stats.steps}`);
    assert.deepEqual(differing(bytesOf(policy.state), before), [], 'in memory');
    assert.equal(policy.state.step, step, 'the optimizer step count');
    assert.deepEqual(
      differing(bytesOf(await readBack(base, policy, `nan-${poison}`)), before),
      [],
      'read back from the checkpoint',
    );

    const clean = await ppoUpdate([rollout('3+4=', ' 7', 1, 0), rollout('3+4=', ' 8', 0, 0)], ppo, 3);
    assert.equal(clean.skippedSteps, 0, 'a clean batch afterwards trains');
    assert.ok(differing(bytesOf(policy.state), before).length > 0, 'and moves the weights');
  });
}

test('one poisoned value (an advantage, an old log-prob, a return) anywhere in a minibatch skips that step', async () => {
  const { base, policy } = await setup();
  const enc = (s: string) => base.tokenizer.encode(s, { addSpecialTokens: false });
  const sample = (q: string, a: string): PpoSample => {
    const response = enc(a);
    return {
      prompt: [1, ...enc(q)],
      response,
      oldLogprobs: response.map(() => -2),
      advantages: response.map((_, i) => (i % 2 ? 0.5 : -0.5)),
      returns: response.map(() => 0.1),
      oldValues: response.map(() => 0),
    };
  };
  for (const field of ['advantages', 'oldLogprobs', 'returns'] as const) {
    for (const poison of [NaN, Infinity]) {
      const before = bytesOf(policy.state);
      const batch = [sample('6+1=', ' 7'), sample('9-2=', ' 7 apples')];
      batch[1][field]![1] = poison;
      const res = await policy.update(batch, 1e-2);
      assert.equal(res.skipped, true, `${field} = ${poison}`);
      assert.deepEqual(differing(bytesOf(policy.state), before), [], `${field} = ${poison}: state changed`);
    }
  }
  const before = bytesOf(policy.state);
  assert.equal((await policy.update([sample('6+1=', ' 7')], 1e-2)).skipped, false);
  assert.ok(differing(bytesOf(policy.state), before).length > 0);
  assert.deepEqual(differing(bytesOf(await readBack(base, policy, 'after')), bytesOf(policy.state)), []);
});
