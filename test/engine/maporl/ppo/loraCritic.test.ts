// LoRA and critic placement of a MAPoRL policy, at tiny size:
// under LoRA an update moves only the adapters (and value head), the reference log-probs stay the
// base model's, and generation samples from base + adapters; a separate critic's value loss never
// reaches the policy, while a value head on the policy trunk moves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LMRuntime } from '../../../../src/engine/generate/runtime';
import type { HostTensor } from '../../../../src/engine/core/hostTensor';
import { parseConfig } from '../../../../src/engine/maporl/config';
import { Policy, type PpoSample, type SequenceTokens } from '../../../../src/engine/maporl/ppo/policy';
import type { PpoHyper } from '../../../../src/engine/maporl/ppo/ppoGraph';
import { loraConfig, ppoHyper } from '../../../../src/engine/maporl/ppo/team';
import type { LoraConfig } from '../../../../src/engine/nn/lora';
import { createPresetModel, type CausalLM } from '../../../../src/engine/nn/model';
import { rng } from '../../../helpers/rng';

const HYPER: PpoHyper = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 1, critic: true };
const LORA: LoraConfig = { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] };

function sequences(base: CausalLM): SequenceTokens[] {
  const enc = (s: string) => base.tokenizer.encode(s, { addSpecialTokens: false });
  return [
    { prompt: [1, ...enc('Tom has 3 pens. How many?\nA:')], response: enc(' 3. Answer: 3') },
    { prompt: [1, ...enc('Is a cat an animal?\nA:')], response: enc(' yes') },
    { prompt: [1, ...enc('Ann buys 12 cups and gives 5 away. How many cups now?\nA:')], response: enc(' 12-5=7. Answer: 7') },
  ];
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((x, k) => Math.abs(x - b[i][k]))));
const snapshot = (w: Record<string, HostTensor>) =>
  Object.fromEntries(Object.entries(w).map(([n, t]) => [n, Buffer.from((t.data as Float32Array).slice().buffer)]));

/** PPO samples from a policy's own scores: random advantages (or none) and returns. */
function samplesOf(
  seqs: SequenceTokens[],
  s: Awaited<ReturnType<Policy['scoreRollouts']>>,
  seed: number,
  advantages = true,
): PpoSample[] {
  const r = rng(seed);
  return seqs.map((q, i) => ({
    ...q,
    oldLogprobs: s.logprobs[i],
    oldValues: s.values[i],
    advantages: q.response.map(() => (advantages ? 2 * r() - 1 : 0)),
    returns: q.response.map(() => r() - 0.5),
  }));
}

for (const frozenWeights of ['embedded', 'fed'] as const) {
  test(`LoRA (${frozenWeights} base): updates move only the adapters; the reference is the base; generation samples from base + adapters`, async () => {
    const base = await createPresetModel('tiny', 11);
    const before = snapshot(base.weights);
    const seqs = sequences(base);
    const policy = await Policy.create('p', base, HYPER, { threads: 1, frozenWeights }, 1, { lora: LORA, seed: 3 });
    const plain = await LMRuntime.create(base);
    try {
      const names = Object.keys(policy.weights);
      assert.ok(
        names.every((n) => /\.lora_[AB]\.weight$/.test(n) || n.startsWith('v_head.')),
        `trainable: ${names.filter((n) => !n.includes('lora_')).join(', ')}`,
      );
      assert.equal(names.filter((n) => n.endsWith('lora_A.weight')).length, 3 * base.config.numHiddenLayers);
      const s0 = await policy.scoreRollouts(seqs);
      for (let i = 0; i < 3; i++) assert.equal((await policy.update(samplesOf(seqs, s0, 7 + i), 1e-2)).skipped, false);
      const s1 = await policy.scoreRollouts(seqs);
      const baseScores = (await plain.score(seqs.map((q) => [...q.prompt, ...q.response]))).logprobs.map((row, i) =>
        row.slice(seqs[i].prompt.length),
      );

      for (const [n, bytes] of Object.entries(before))
        assert.ok(bytes.equals(snapshot({ [n]: base.weights[n] })[n]), `base weight ${n} changed`);
      const bNorm = Object.entries(policy.weights)
        .filter(([n]) => n.endsWith('lora_B.weight'))
        .reduce((s, [, t]) => s + (t.data as Float32Array).reduce((a, x) => a + x * x, 0), 0);
      assert.ok(bNorm > 0, 'the adapters (lora_B, zero at the start) moved');
      assert.ok(maxDiff(s0.refLogprobs, baseScores) < 1e-4, 'reference = base before the update');
      assert.ok(maxDiff(s1.refLogprobs, baseScores) < 1e-4, 'reference = base after the update');
      assert.ok(
        maxDiff(s1.logprobs, baseScores) > 1e-3,
        `the policy moved away from the base (${maxDiff(s1.logprobs, baseScores)})`,
      );
      // Generation reads base + adapters: its scores are the policy's (temperature 1).
      const gen = (await policy.lm.score(seqs.map((q) => [...q.prompt, ...q.response]))).logprobs.map((row, i) =>
        row.slice(seqs[i].prompt.length),
      );
      assert.ok(maxDiff(gen, s1.logprobs) < 1e-4, `generation samples from the trained policy (${maxDiff(gen, s1.logprobs)})`);
    } finally {
      await Promise.all([policy.release(), plain.release()]);
    }
  });
}

for (const lora of [undefined, LORA]) {
  const label = lora ? 'LoRA' : 'full fine-tuning';
  test(`${label}: a separate critic's value loss leaves the policy unchanged and decreases; a shared-trunk value loss moves the policy`, async () => {
    const base = await createPresetModel('tiny', 12);
    const seqs = sequences(base);
    for (const criticPlacement of ['separate', 'shared-trunk'] as const) {
      const policy = await Policy.create('p', base, { ...HYPER, criticPlacement }, { threads: 1 }, 1, { lora, seed: 5 });
      try {
        const s0 = await policy.scoreRollouts(seqs);
        // Zero advantages: the policy loss has zero gradient; only the value loss (returns ≠ values) trains.
        const batch = samplesOf(seqs, s0, 9, false);
        const losses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await policy.update(batch, 1e-3);
          assert.equal(res.skipped, false);
          losses.push(res.metrics.valueLoss);
        }
        const s1 = await policy.scoreRollouts(seqs);
        assert.ok(maxDiff(s1.values, s0.values) > 1e-3, `${criticPlacement}: the values moved`);
        if (criticPlacement === 'separate') {
          assert.equal(maxDiff(s1.logprobs, s0.logprobs), 0, 'no value gradient reaches the policy');
          for (let i = 1; i < losses.length; i++)
            assert.ok(losses[i] < losses[i - 1], `value loss decreases on a fixed batch: ${losses.join(', ')}`);
        } else {
          assert.ok(
            maxDiff(s1.logprobs, s0.logprobs) > 1e-5,
            `the value loss moves the shared trunk (${maxDiff(s1.logprobs, s0.logprobs)})`,
          );
        }
      } finally {
        await policy.release();
      }
    }
  });
}

test('config: training.lora and training.ppo.critic are checked by the schema and reach the team', () => {
  const err = (c: object) => {
    try {
      parseConfig(c, 'c.json');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(err({ training: { lora: { targetModules: ['qproj'] } } }), /^c\.json: training\.lora\.targetModules\[0\]: /);
  assert.match(
    err({ training: { lora: { targetModules: ['all-linear', 'q_proj'] } } }),
    /^c\.json: training\.lora\.targetModules: "all-linear" adapts every linear layer and stands alone/,
  );
  assert.match(err({ training: { ppo: { critic: 'trunk' } } }), /^c\.json: training\.ppo\.critic: /);
  const c = parseConfig({
    training: { lora: { rank: 4, targetModules: ['all-linear'] }, ppo: { advantage: 'gae', critic: 'separate' } },
  });
  assert.deepEqual(loraConfig(c), { r: 4, alpha: 16, dropout: 0, targetModules: 'all-linear' });
  assert.equal(ppoHyper(c).criticPlacement, 'separate');
  assert.equal(parseConfig({}).training.ppo.critic, 'separate');
  assert.equal(loraConfig(parseConfig({})), undefined);
});
