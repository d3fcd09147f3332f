// The PPO graphs of one policy against independent computations: rollout log-probabilities equal
// LMRuntime.score's on the same sequences (the action positions line up, sequences packed several to
// a row there and one to a row here), and the policy and value
// losses of a step equal TRL's formulas evaluated on the host from those log-probabilities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packedActionBatch } from '../../../../src/engine/generate/actions';
import { LMRuntime } from '../../../../src/engine/generate/runtime';
import { Policy, type PpoSample, type SequenceTokens } from '../../../../src/engine/maporl/ppo/policy';
import { createPresetModel } from '../../../../src/engine/nn/model';
import { rng } from '../../../helpers/rng';

const HYPER = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 1, critic: true };

test('rollout scores and PPO losses match independent computations', async () => {
  const base = await createPresetModel('tiny', 31);
  const enc = (s: string) => base.tokenizer.encode(s, { addSpecialTokens: false });
  // Prompts and responses of different lengths: left padding moves every action position.
  const seqs: SequenceTokens[] = [
    { prompt: [1, ...enc('Tom has 3 pens. How many?\nA:')], response: enc(' 3. Answer: 3') },
    { prompt: [1, ...enc('Is a cat an animal?\nA:')], response: enc(' yes') },
    { prompt: [1, ...enc('Ann buys 12 cups and gives 5 away. How many cups now?\nA:')], response: enc(' 12-5=7. Answer: 7') },
    {
      prompt: [1, ...enc('Ann buys 12 cups, gives 5 away, then buys 4 bags of 3 cups and breaks 2. How many cups now?\nA:')],
      response: enc(' 12-5=7. 4*3=12. 7+12-2=17. Answer: 17'),
    },
  ];
  // The three shorter sequences share a row of the longest one's length: scoring and the step see them
  // packed (attention within each sequence), LMRuntime.score each alone.
  assert.equal(packedActionBatch(seqs, 0).tensors.input_ids.shape[0], 2, 'the batch packs');
  const policy = await Policy.create('p', base, HYPER, { threads: 1 }, 1);
  const lm = await LMRuntime.create(base);
  try {
    const scores = await policy.scoreRollouts(seqs);
    const full = await lm.score(seqs.map((q) => [...q.prompt, ...q.response]));
    seqs.forEach((q, i) => {
      assert.equal(scores.logprobs[i].length, q.response.length);
      q.response.forEach((_, k) => {
        const want = full.logprobs[i][q.prompt.length + k];
        assert.ok(
          Math.abs(scores.logprobs[i][k] - want) < 1e-4,
          `sequence ${i}, token ${k}: ${scores.logprobs[i][k]} vs ${want}`,
        );
        assert.ok(Math.abs(scores.refLogprobs[i][k] - want) < 1e-4, `reference, sequence ${i}, token ${k}`);
        assert.ok(Math.abs(full.entropy[i][q.prompt.length + k] - scores.entropy![i][k]) < 1e-3, `entropy ${i}, ${k}`);
        assert.equal(scores.values[i][k], 0, 'a fresh value head is zero');
      });
    });

    // Old log-probs and values off by up to ±0.5 so that clipping engages on both sides.
    const r = rng(7);
    const u = () => r() * 2 - 1;
    const samples: PpoSample[] = seqs.map((q, i) => ({
      ...q,
      oldLogprobs: scores.logprobs[i].map((lp) => lp + 0.5 * u()),
      advantages: q.response.map(() => u()),
      returns: q.response.map(() => u()),
      oldValues: q.response.map(() => 0.5 * u()),
    }));
    // TRL's losses on the host; the value head outputs 0 before the step.
    let pg = 0,
      vf = 0,
      n = 0;
    samples.forEach((s, i) =>
      s.response.forEach((_, k) => {
        const ratio = Math.exp(scores.logprobs[i][k] - s.oldLogprobs[k]);
        const a = s.advantages[k];
        pg += Math.max(-a * ratio, -a * Math.min(Math.max(ratio, 1 - HYPER.clipRange), 1 + HYPER.clipRange));
        const v = 0,
          old = s.oldValues![k],
          ret = s.returns![k];
        const vClipped = old + Math.min(Math.max(v - old, -HYPER.vfClip), HYPER.vfClip);
        vf += Math.max((v - ret) ** 2, (vClipped - ret) ** 2);
        n++;
      }),
    );
    const res = await policy.update(samples, 0); // lr 0: the step reports its losses and moves nothing
    assert.ok(Math.abs(res.metrics.policyLoss - pg / n) < 1e-4, `policy loss ${res.metrics.policyLoss} vs ${pg / n}`);
    assert.ok(
      Math.abs(res.metrics.valueLoss - (0.5 * vf) / n) < 1e-4,
      `value loss ${res.metrics.valueLoss} vs ${(0.5 * vf) / n}`,
    );
    assert.ok(Math.abs(res.loss - (pg / n + (HYPER.vfCoef * 0.5 * vf) / n)) < 1e-4, `loss ${res.loss}`);
  } finally {
    await Promise.all([policy.release(), lm.release()]);
  }
});

test('rollout log-probs are those of the sampling distribution at the sampling temperature', async () => {
  const base = await createPresetModel('tiny', 5);
  const enc = (s: string) => [1, ...base.tokenizer.encode(s, { addSpecialTokens: false })];
  const prompts = [enc('Tom has 3 pens.\nA:'), enc('Is a cat an animal?\nA:')];
  const temperature = 0.7;
  const lm = await LMRuntime.create(base);
  const policy = await Policy.create('p', base, { ...HYPER, critic: false }, { threads: 1 }, temperature);
  try {
    const gens = await lm.generate(prompts, { maxNewTokens: 12, temperature, topK: 0, topP: 1, seed: 3 });
    const scores = await policy.scoreRollouts(gens.map((g, i) => ({ prompt: prompts[i], response: g.tokens })));
    gens.forEach((g, i) =>
      g.logprobs.forEach((lp, k) => {
        assert.ok(
          Math.abs(scores.logprobs[i][k] - lp) < 1e-4,
          `sequence ${i}, token ${k}: PPO ${scores.logprobs[i][k]} vs sampler ${lp}`,
        );
        assert.ok(Math.abs(scores.refLogprobs[i][k] - lp) < 1e-4, `reference, sequence ${i}, token ${k}`);
      }),
    );
    assert.ok(gens.every((g) => g.tokens.length > 0));
    // Given the sampler's log-probs, scoring skips the policy's pass: the reference's are unchanged
    // (the same weights, a graph without the policy), the policy's are the sampler's own.
    const seqs = gens.map((g, i) => ({ prompt: prompts[i], response: g.tokens }));
    const reused = await policy.scoreRollouts(
      seqs,
      gens.map((g) => g.logprobs),
    );
    assert.deepEqual(
      reused.logprobs,
      gens.map((g) => g.logprobs),
    );
    assert.equal(reused.entropy, undefined);
    reused.refLogprobs.forEach((lps, i) =>
      lps.forEach((lp, k) => assert.ok(Math.abs(lp - scores.refLogprobs[i][k]) < 1e-5, `reference ${i}, ${k}`)),
    );
    await assert.rejects(policy.scoreRollouts(seqs, [gens[0].logprobs, []]), /sampled log-probs do not match/);
  } finally {
    await Promise.all([policy.release(), lm.release()]);
  }
});
