// LoRA: the PEFT file layout, merging, PyTorch parity of the adapted model, training that moves
// only the adapters, and seeded dropout.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dataOf, type HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph } from '../../../src/engine/graph/graph';
import { serialize } from '../../../src/engine/graph/serialize';
import { TrainStep } from '../../../src/engine/runtime/trainStep';
import { SafetensorsReader, writeSafetensors } from '../../../src/engine/io/safetensors';
import { hashDropout, hashUniform } from '../../../src/engine/nn/dropout';
import {
  initLoraWeights,
  loadLoraAdapter,
  loraLinear,
  loraModules,
  loraParamShapes,
  mergeLora,
  saveLoraAdapter,
  type LoraConfig,
} from '../../../src/engine/nn/lora';
import { saveModel } from '../../../src/engine/nn/model';
import { Session } from '../../../src/engine/runtime/session';
import { collate } from '../../../src/engine/sft/batches';
import { completionNll, SFT_BATCH } from '../../../src/engine/sft/loss';
import { sftExampleTokens } from '../../../src/engine/prompts/tokens';
import { rng } from '../../helpers/rng';
import { runTorch } from '../../helpers/torch';
import { batchLogits, maxAbs, maxAbsDiff, randomModel } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'maporl-lora-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LORA: LoraConfig = {
  r: 4,
  alpha: 8,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
  baseModelNameOrPath: 'base-dir',
};

/** An adapter with B != 0 (a fresh one is the identity, which would make every comparison vacuous). */
function trainedLookingAdapter(shapes: Record<string, number[]>, seed: number): Record<string, HostTensor> {
  const r = rng(seed);
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape]) => {
      const data = Float32Array.from({ length: shape[0] * shape[1] }, () => (r() - 0.5) * 0.6);
      return [name, { dtype: 'float32', shape, data } as HostTensor];
    }),
  );
}

test('target modules select linear layers by HF suffix; bad names are refused', async () => {
  const { config } = await randomModel({ numHiddenLayers: 2 }, 1);
  assert.deepEqual(
    loraModules(config, LORA).map((m) => m.module),
    [
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.0.mlp.down_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.v_proj',
      'model.layers.1.mlp.down_proj',
    ],
  );
  assert.equal(loraModules(config, { ...LORA, targetModules: 'all-linear' }).length, 14);
  assert.equal(loraModules(config, { ...LORA, targetModules: 'model\\.layers\\.1\\..*_proj' }).length, 7);
  const shapes = loraParamShapes(config, LORA);
  assert.deepEqual(shapes['model.layers.0.mlp.down_proj.lora_A.weight'], [4, config.intermediateSize]);
  assert.deepEqual(shapes['model.layers.0.mlp.down_proj.lora_B.weight'], [config.hiddenSize, 4]);
  assert.throws(() => loraModules(config, { ...LORA, targetModules: ['lm_head'] }), /not a linear layer of the blocks/);
  assert.throws(() => loraModules(config, { ...LORA, targetModules: 'nothing' }), /matches no linear layer/);
  const fresh = initLoraWeights(config, LORA, 3);
  assert.ok(maxAbs(dataOf(fresh['model.layers.0.self_attn.q_proj.lora_A.weight'], 'float32')) > 0);
  assert.equal(maxAbs(dataOf(fresh['model.layers.0.self_attn.q_proj.lora_B.weight'], 'float32')), 0);
  assert.deepEqual(initLoraWeights(config, LORA, 3), fresh, 'seeded');
});

test("adapters save in the PEFT layout and load back; merged logits equal unmerged and PyTorch's", async () => {
  const model = await randomModel({ modelType: 'qwen2', tieWordEmbeddings: true }, 2);
  const baseDir = join(root, 'base'),
    adapterDir = join(root, 'adapter');
  await saveModel(baseDir, model, { tokenizerFiles: model.tokenizerFiles });
  const adapter = trainedLookingAdapter(loraParamShapes(model.config, LORA), 4);
  await saveLoraAdapter(adapterDir, LORA, adapter);

  const cfgJson = JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8'));
  assert.equal(cfgJson.peft_type, 'LORA');
  assert.equal(cfgJson.r, 4);
  assert.equal(cfgJson.lora_alpha, 8);
  assert.deepEqual(cfgJson.target_modules, ['down_proj', 'q_proj', 'v_proj']);
  assert.equal(cfgJson.base_model_name_or_path, 'base-dir');
  const reader = SafetensorsReader.open(join(adapterDir, 'adapter_model.safetensors'));
  assert.ok(reader.has('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'));
  assert.deepEqual(reader.info('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight').shape, [
    model.config.numKeyValueHeads * model.config.headDim,
    4,
  ]);
  reader.close();

  const loaded = loadLoraAdapter(adapterDir, model.config);
  assert.deepEqual(loaded.weights, adapter);
  assert.equal(loaded.config.alpha, 8);

  const rows = ['Tom has 3 pens.', 'No cats are dogs. Is Bo a dog? Answer:'].map((t) => model.tokenizer.encode(t));
  const unmerged = await batchLogits(model, rows, 0, { weights: adapter, options: (w) => ({ linear: loraLinear(LORA, w) }) });
  const merged = await batchLogits({ config: model.config, weights: mergeLora(model.weights, LORA, adapter) }, rows, 0);
  const plain = await batchLogits(model, rows, 0);
  const ref = runTorch<{ logits: number[][] }>('llama_parity.py', {
    task: 'logits',
    modelDir: baseDir,
    adapterDir,
    rows,
    padId: 0,
  });
  rows.forEach((_, i) => {
    assert.ok(maxAbsDiff(unmerged[i], plain[i]) > 0.1, 'the adapter changes the logits');
    assert.ok(maxAbsDiff(merged[i], unmerged[i]) <= 1e-4, `row ${i}: merged vs unmerged ${maxAbsDiff(merged[i], unmerged[i])}`);
    assert.ok(
      maxAbsDiff(unmerged[i], ref.logits[i]) <= 1e-4,
      `row ${i}: ours vs PyTorch+PEFT math ${maxAbsDiff(unmerged[i], ref.logits[i])}`,
    );
  });
});

test('a bad adapter directory is one line naming the file and the problem', async () => {
  const model = await randomModel({}, 5);
  const dir = join(root, 'bad-adapter');
  const adapter = trainedLookingAdapter(loraParamShapes(model.config, LORA), 6);
  await saveLoraAdapter(dir, LORA, adapter);
  const cfgFile = join(dir, 'adapter_config.json');
  const good = readFileSync(cfgFile, 'utf8');
  writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(good), use_dora: true }));
  assert.throws(
    () => loadLoraAdapter(dir, model.config),
    (e: Error) => e.message === `${cfgFile}: use_dora: DoRA adapters are not supported`,
  );
  writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(good), r: 2 }));
  assert.throws(
    () => loadLoraAdapter(dir, model.config),
    /adapter_model\.safetensors: shape \[4,32\] does not match .* \[2,32\] \(tensor "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight"\)/,
  );
  writeFileSync(cfgFile, good);
  const tensors = Object.fromEntries(
    Object.entries(adapter)
      .filter(([n]) => !n.includes('layers.1.self_attn.v_proj.lora_B'))
      .map(([n, t]) => [`base_model.model.${n}`, { shape: t.shape, data: dataOf(t, 'float32') }]),
  );
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  assert.throws(() => loadLoraAdapter(dir, model.config), /missing tensor .*layers\.1\.self_attn\.v_proj\.lora_B\.weight/);
});

test('a LoRA training step moves only the adapters, and both A and B once B is non-zero', async () => {
  const model = await randomModel({}, 7);
  const lora: LoraConfig = { ...LORA, dropout: 0.1 };
  const shapes = loraParamShapes(model.config, lora);
  const before = Object.fromEntries(Object.entries(model.weights).map(([k, t]) => [k, dataOf(t, 'float32').slice()]));
  const step = await TrainStep.compile(
    {
      params: Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [n, { shape }])),
      frozen: model.weights,
      batch: { ...SFT_BATCH, dropout_seed: { dtype: 'int64', shape: [] } },
      loss: (p, b, frozen) => {
        const base = Object.fromEntries(Object.entries(frozen));
        return { loss: completionNll(model.config, base, b, { linear: loraLinear(lora, p, b.dropout_seed) }).loss };
      },
    },
    { threads: 1 },
  );
  const state = step.initState(initLoraWeights(model.config, lora, 8));
  const init = Object.fromEntries(Object.entries(state.params).map(([k, t]) => [k, dataOf(t, 'float32').slice()]));
  const seqs = [
    { prompt: 'Tom has 3 pens. How many?', completion: ' 3' },
    { prompt: 'Ann has 2 cups.', completion: ' Answer: 2' },
  ].map((ex) => sftExampleTokens(model.tokenizer, ex));
  const batch = collate(seqs, 0);
  for (let i = 0; i < 2; i++) {
    const r = await step.run(
      state,
      { ...batch, dropout_seed: { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(i)) } },
      1e-2,
    );
    assert.equal(r.skipped, false);
  }
  assert.deepEqual(Object.keys(state.params).sort(), Object.keys(shapes).sort(), 'only adapters are parameters');
  for (const [name, t] of Object.entries(state.params))
    assert.ok(maxAbsDiff(dataOf(t, 'float32'), init[name]) > 1e-4, `${name} did not move`);
  for (const [name, t] of Object.entries(model.weights)) assert.deepEqual(t.data, before[name], `base weight ${name} changed`);
});

test('hash dropout: deterministic in the seed, different across seeds and salts, drops about p', async () => {
  const g = new Graph('dropout');
  const x = g.input('x', 'float32', ['B', 64]);
  const seed = g.input('seed', 'int64', []);
  g.output('u', hashUniform(x, seed, 7));
  g.output('d', hashDropout(x, 0.25, seed, 7));
  g.output('d2', hashDropout(x, 0.25, seed, 8));
  const s = await Session.create(serialize(g), { threads: 1 });
  const ones: HostTensor = { dtype: 'float32', shape: [32, 64], data: new Float32Array(32 * 64).fill(1) };
  const run = (k: number) => s.run({ x: ones, seed: { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(k)) } });
  const [a, b, c] = [await run(1), await run(1), await run(2)];
  assert.deepEqual(a.d.data, b.d.data);
  assert.notDeepEqual(a.d.data, c.d.data);
  assert.notDeepEqual(a.d.data, a.d2.data);
  const u = dataOf(a.u, 'float32');
  const mean = u.reduce((p, q) => p + q, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean of the uniforms ${mean}`);
  const d = dataOf(a.d, 'float32');
  const dropped = d.filter((v) => v === 0).length / d.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.03, `dropped ${dropped}`);
  assert.ok(
    d.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6),
    'kept values are scaled by 1 / (1 - p)',
  );
  await s.release();
});
