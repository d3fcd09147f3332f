import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rowsPerRun, weightBinding } from '../../../src/engine/generate/graphs';
import { LMRuntime } from '../../../src/engine/generate/runtime';
import { createPresetModel, loadModel, saveModel } from '../../../src/engine/nn/model';

const GREEDY = { temperature: 0, topK: 0, topP: 1, maxNewTokens: 12, seed: 1 };

test('KV-cache decoding gives the same log-probabilities as a full forward pass', async () => {
  const model = await createPresetModel('tiny', 7);
  const lm = await LMRuntime.create(model);
  const prompt = model.tokenizer.encode('Tom has 3 apples and buys 4 more.');
  const [gen] = await lm.generate([prompt], GREEDY);
  assert.equal(gen.tokens.length, GREEDY.maxNewTokens, 'random weights rarely emit EOS this early');
  const { logprobs } = await lm.score([[...prompt, ...gen.tokens]]);
  const full = logprobs[0].slice(prompt.length);
  gen.logprobs.forEach((lp, i) => assert.ok(Math.abs(lp - full[i]) < 1e-4, `token ${i}: cached ${lp} vs full ${full[i]}`));
});

test('a left-padded batch generates what each prompt generates alone', async () => {
  const model = await createPresetModel('tiny', 8);
  const lm = await LMRuntime.create(model);
  const prompts = ['Ann has 12 pens.', 'If all cats are animals, is Tom an animal? Answer:', 'x'].map((s) =>
    model.tokenizer.encode(s),
  );
  const together = await lm.generate(prompts, GREEDY);
  for (const [i, p] of prompts.entries()) {
    const [alone] = await lm.generate([p], GREEDY);
    assert.deepEqual(together[i].tokens, alone.tokens, `prompt ${i}`);
  }
});

test('long generations (cache growth) with rows finishing at different steps match each prompt alone and a full forward pass', async () => {
  const model = await createPresetModel('tiny', 11);
  const lm = await LMRuntime.create(model);
  const prompts = [
    'Ann has 12 pens and gives 5 away.',
    'Is a cat an animal?',
    'x y',
    'Bo buys 3 cups.',
    'All dogs bark. Rex is a dog.',
    '7 + 8 =',
  ].map((s) => model.tokenizer.encode(s));
  // 90 new tokens cross the cache's first growth (prompt + 64 slots). The random model repeats one
  // character per prompt, so stop strings end chosen rows at once: one of six (the finished row
  // idles in the batch) and then two of six (the batch and its cache are compacted).
  const probe = await lm.generate(prompts, { ...GREEDY, maxNewTokens: 90 });
  const firstChar = probe.map((g) => g.text.trim()[0]);
  for (const stopRows of [[1], [1, 5]]) {
    const stop = stopRows.map((i) => firstChar[i]);
    const o = { ...GREEDY, maxNewTokens: 90, stop };
    const together = await lm.generate(prompts, o);
    assert.deepEqual(
      together.flatMap((g, i) => (g.finishReason === 'stop' ? [i] : [])),
      stopRows,
      `rows stopped by ${JSON.stringify(stop)}`,
    );
    assert.ok(
      together.every((g, i) => stopRows.includes(i) || g.tokens.length === 90),
      'the other rows run past the first growth of the cache',
    );
    for (const [i, p] of prompts.entries()) {
      const [alone] = await lm.generate([p], o);
      assert.deepEqual(together[i].tokens, alone.tokens, `prompt ${i}, stops ${JSON.stringify(stop)}`);
      const { logprobs } = await lm.score([[...p, ...alone.tokens]]);
      const full = logprobs[0].slice(p.length);
      together[i].logprobs.forEach((lp, t) =>
        assert.ok(Math.abs(lp - full[t]) < 1e-4, `prompt ${i}, token ${t}: cached ${lp} vs full ${full[t]}`),
      );
    }
  }
});

test('a model whose frozen weights are fed at each run (large models) generates and scores as one with them embedded', async () => {
  const model = await createPresetModel('tiny', 12);
  const [embedded, fed] = await Promise.all([
    LMRuntime.create(model),
    LMRuntime.create(model, { runtime: { frozenWeights: 'fed' } }),
  ]);
  assert.equal(embedded.feedsFrozenWeights, false);
  assert.equal(fed.feedsFrozenWeights, true);
  const prompts = ['Ann has 12 pens.', 'Is a cat an animal?'].map((s) => model.tokenizer.encode(s));
  const [a, b] = [await embedded.generate(prompts, GREEDY), await fed.generate(prompts, GREEDY)];
  a.forEach((g, i) => {
    assert.deepEqual(b[i].tokens, g.tokens, `prompt ${i}`);
    g.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - b[i].logprobs[t]) < 1e-5, `prompt ${i}, token ${t}`));
  });
  const seqs = prompts.map((p, i) => [...p, ...a[i].tokens]);
  const [sa, sb] = [await embedded.score(seqs), await fed.score(seqs)];
  sa.logprobs.forEach((row, i) =>
    row.slice(1).forEach((lp, t) => assert.ok(Math.abs(lp - sb.logprobs[i][t + 1]) < 1e-5, `score ${i}, ${t}`)),
  );
  await Promise.all([embedded.release(), fed.release()]);
});

test('sampling is reproducible for a seed and stops at a stop string', async () => {
  const model = await createPresetModel('tiny', 9);
  const lm = await LMRuntime.create(model);
  const p = [model.tokenizer.encode('Question: 2 + 2 =')];
  const o = { temperature: 1, topK: 20, topP: 0.9, maxNewTokens: 16, seed: 42 };
  const a = await lm.generate(p, o),
    b = await lm.generate(p, o),
    c = await lm.generate(p, { ...o, seed: 43 });
  assert.deepEqual(a[0].tokens, b[0].tokens);
  assert.notDeepEqual(a[0].tokens, c[0].tokens);
  const stopAt = model.tokenizer.decode(a[0].tokens.slice(0, 3), { skipSpecialTokens: true }).slice(-1);
  if (stopAt.trim()) {
    const [s] = await lm.generate(p, { ...o, stop: [stopAt] });
    assert.equal(s.finishReason, 'stop');
    assert.ok(s.text.endsWith(stopAt));
  }
});

test('a saved model directory loads back with the same weights and logits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-model-'));
  try {
    const model = await createPresetModel('tiny', 10);
    await saveModel(join(dir, 'm'), model, { tokenizerFiles: model.tokenizerFiles });
    const back = await loadModel(join(dir, 'm'));
    assert.deepEqual(back.config, model.config);
    for (const [k, t] of Object.entries(model.weights)) assert.deepEqual(back.weights[k].data, t.data, k);
    const seq = [model.tokenizer.encode('Ann has 3 pens.')];
    const [a, b] = await Promise.all([(await LMRuntime.create(model)).score(seq), (await LMRuntime.create(back)).score(seq)]);
    assert.deepEqual(a.logprobs, b.logprobs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weights too large to embed are refused with a message naming runtime.frozenWeights', () => {
  const big = {
    w: { dtype: 'float32' as const, shape: [2 ** 29 + 2 ** 20], data: { length: 2 ** 29 + 2 ** 20 } as unknown as Float32Array },
  };
  assert.throws(
    () => weightBinding(big, new Set(), Infinity),
    /2\.15 GB of frozen weights cannot be embedded .*runtime\.frozenWeights to "auto" or "fed"/,
  );
  assert.equal(weightBinding(big, new Set()).feedFrozen, true);
});

test('scoring runs few enough rows at once to keep the logits of a large vocabulary within budget', () => {
  assert.equal(rowsPerRun(100, 512, 64), 64); // the built-in vocabulary: never limited
  assert.equal(rowsPerRun(200, 151936, 64), 2); // Qwen2.5's: 2 x 200 x 151936 floats = 243 MB
  assert.equal(rowsPerRun(100_000, 151936, 64), 1); // always at least one
});

test('saveModel refuses tensors that loadModel would refuse, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-model-'));
  try {
    const model = await createPresetModel('tiny', 13);
    const extra = {
      ...model.weights,
      'score.weight': {
        dtype: 'float32' as const,
        shape: [1, model.config.hiddenSize],
        data: new Float32Array(model.config.hiddenSize),
      },
    };
    await assert.rejects(
      saveModel(join(dir, 'm'), { config: model.config, weights: extra }),
      /"score\.weight" is not a tensor of this llama architecture/,
    );
    const { 'model.norm.weight': _dropped, ...short } = model.weights;
    await assert.rejects(
      saveModel(join(dir, 'm'), { config: model.config, weights: short }),
      /missing tensors model\.norm\.weight/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
