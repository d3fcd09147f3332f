// The learned verifier's likelihood features against an independent computation: with a zero
// hidden-state head and likelihood weights [1, 0] its logit is the mean log-probability of the
// response tokens, which LMRuntime.score gives on the same tokens (the agents' turn-1 prompt, chat
// template included, then the response).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LMRuntime } from '../../../../src/engine/generate/runtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointVerifier, saveCheckpoint } from '../../../../src/engine/maporl/run/checkpoint';
import { LearnedVerifier, LIKELIHOOD_HEAD } from '../../../../src/engine/maporl/verifier/verifier';
import { VERIFIER_HEAD } from '../../../../src/engine/nn/heads';
import { createPresetModel } from '../../../../src/engine/nn/model';
import { promptTokens } from '../../../../src/engine/prompts/tokens';

const logit = (p: number) => Math.log(p / (1 - p));

test('the verifier logit is a linear function of the mean and min log-probability of the response, as LMRuntime scores it', async () => {
  const model = await createPresetModel('tiny', 21);
  const question = 'Tom has 3 bags of 4 pens. How many pens?';
  const responses = [' 3*4=12. Answer: 12', ' Answer: 7', ' pens pens 12 bags'];
  const lm = await LMRuntime.create(model);
  const prefix = promptTokens(model.tokenizer, `${question}\nA:`);
  const seqs = responses.map((r) => [...prefix, ...model.tokenizer.encode(` ${r.trim()}`, { addSpecialTokens: false })]);
  const { logprobs } = await lm.score(seqs);
  const feature = logprobs.map((row) => {
    const lps = row.slice(prefix.length);
    return { mean: lps.reduce((a, b) => a + b, 0) / lps.length, min: Math.min(...lps) };
  });
  for (const [w, pick] of [
    [[1, 0], (f: { mean: number }) => f.mean],
    [[0, 0.5], (f: { min: number }) => 0.5 * f.min],
  ] as const) {
    const v = LearnedVerifier.fromBase(model);
    (v.weights[LIKELIHOOD_HEAD].data as Float32Array).set(w);
    const scores = await v.score(responses.map((response) => ({ question, response })));
    scores.forEach((s, i) =>
      assert.ok(
        Math.abs(logit(s) - pick(feature[i] as never)) < 1e-3,
        `weights [${w}], response ${i}: logit ${logit(s)} vs ${pick(feature[i] as never)}`,
      ),
    );
    await v.release();
  }
  await lm.release();
});

test('a fresh verifier scores 0.5, and its heads learn to separate likely from unlikely answers', async () => {
  const model = await createPresetModel('tiny', 22);
  const lm = await LMRuntime.create(model);
  const questions = Array.from({ length: 12 }, (_, i) => `Ann has ${i + 2} cups and buys ${i + 1} more. How many cups?`);
  // "Right" answers: the model's own greedy continuations (likely under it); "wrong": ordinary
  // tokens picked by a fixed rule (unlikely). The trunk cannot tell them apart from hidden states it never
  // trained on, but the likelihood features can.
  const greedy = await lm.generate(
    questions.map((q) => promptTokens(model.tokenizer, `${q}\nA:`)),
    { temperature: 0, topK: 0, topP: 1, maxNewTokens: 8, seed: 0 },
  );
  const examples = questions.flatMap((question, i) => {
    const tokens = greedy[i].tokens.filter((t) => t !== model.tokenizer.eosId);
    return [
      { question, response: model.tokenizer.decode(tokens), correct: true },
      { question, response: model.tokenizer.decode(tokens.map((_, k) => 100 + ((37 * (i + k)) % 300))), correct: false },
    ];
  });
  const v = LearnedVerifier.fromBase(model);
  (await v.score(examples.slice(0, 2))).forEach((s) => assert.ok(Math.abs(s - 0.5) < 1e-6, `fresh score ${s}`));
  await v.train(examples, { epochs: 4, lr: 1e-4, batchSize: 8, seed: 1 });
  const scores = await v.score(examples);
  const right = scores.filter((_, i) => examples[i].correct),
    wrong = scores.filter((_, i) => !examples[i].correct);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(right) > mean(wrong) + 0.1, `right ${mean(right)} vs wrong ${mean(wrong)}`);
  await Promise.all([v.release(), lm.release()]);
});

test('a learned verifier saved in a checkpoint loads back with its heads and scores the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-verifier-'));
  try {
    const model = await createPresetModel('tiny', 23);
    const v = LearnedVerifier.fromBase(model);
    (v.weights[LIKELIHOOD_HEAD].data as Float32Array).set([0.7, 0.2]);
    (v.weights[VERIFIER_HEAD.weight].data as Float32Array).fill(0.01);
    const state = {
      iteration: 0,
      policySharing: 'shared',
      policies: 0,
      agents: 3,
      turns: 2,
      optimizerSteps: [],
      verifier: 'learned' as const,
    };
    const saved = await saveCheckpoint(dir, {
      state,
      policies: [],
      verifier: { config: v.config, weights: v.weights, tokenizer: { files: model.tokenizerFiles } },
    });
    const back = await loadCheckpointVerifier(saved);
    assert.ok(back, 'the checkpoint has a verifier');
    const v2 = new LearnedVerifier(back.config, back.tokenizer, back.weights);
    const pairs = [
      { question: 'Ann has 3 pens and buys 2 more. How many pens?', response: '3+2=5. Answer: 5' },
      { question: 'Is a cat an animal?', response: 'no' },
    ];
    assert.deepEqual(await v2.score(pairs), await v.score(pairs));
    await Promise.all([v.release(), v2.release()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an example's weight scales its loss: a fresh verifier (logit 0) has BCE ln 2 on any label, so a batch weighted [1, 3] starts at 2 ln 2", async () => {
  const model = await createPresetModel('tiny', 24);
  const v = LearnedVerifier.fromBase(model);
  const question = 'Ann has 3 pens and buys 2 more. How many pens?';
  const losses = await v.train(
    [
      { question, response: 'Answer: 5', correct: true },
      { question, response: 'Answer: 6', correct: false, weight: 3 },
    ],
    { epochs: 1, lr: 1e-4, batchSize: 2, seed: 0 },
  );
  assert.equal(losses.length, 1);
  assert.ok(Math.abs(losses[0] - 2 * Math.LN2) < 1e-5, `loss ${losses[0]}`);
  await v.release();
});
