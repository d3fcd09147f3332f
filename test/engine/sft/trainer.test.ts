// The SFT trainer end to end on the tiny preset: held-out loss falls on a built-in task; an
// interrupted and resumed run ends with the same weights, bit for bit, as an uninterrupted one
// (full fine-tuning with accumulation, and LoRA with dropout); LoRA leaves the base untouched;
// an earlier run is never overwritten without --force.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../../src/engine/maporl/base/sftData';
import { ModelWeights } from '../../../src/engine/io/modelWeights';
import { createPresetModel, saveModel } from '../../../src/engine/nn/model';
import { SFT_DEFAULTS, SftInputError, type SftOptions } from '../../../src/engine/sft/options';
import { runSft } from '../../../src/engine/sft/trainer';

const root = mkdtempSync(join(tmpdir(), 'maporl-sft-'));
const base = join(root, 'base');
const trainFile = join(root, 'train.jsonl');
const testFile = join(root, 'test.jsonl');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  const model = await createPresetModel('tiny', 3);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(trainFile, sftRecords('arith', 'train', 160, 5));
  writeSftJsonl(testFile, sftRecords('arith', 'test', 48, 5));
});

const opts = (out: string, more: Partial<SftOptions> = {}): SftOptions => ({
  ...SFT_DEFAULTS,
  model: base,
  data: trainFile,
  out: join(root, out),
  runtime: { threads: 1 },
  ...more,
});

/** Every tensor of a model directory, by name. */
function tensors(dir: string): Record<string, Float32Array> {
  const w = ModelWeights.open(dir);
  try {
    return Object.fromEntries(w.names().map((n) => [n, w.readAsFloat32(n)]));
  } finally {
    w.close();
  }
}

function adapterTensors(dir: string): Buffer {
  return readFileSync(join(dir, 'adapter_model.safetensors'));
}

function lossesOf(out: string): number[] {
  return readFileSync(join(out, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'metrics')
    .map((e) => e.loss);
}

test('SFT lowers the held-out completion loss of the arithmetic task', async () => {
  const r = await runSft(opts('heldout', { evalData: testFile, lr: 3e-3, batchSize: 16, epochs: 2, saveEvery: 0 }));
  assert.equal(r.steps, 20);
  assert.ok(r.heldOutLoss, 'held-out loss measured');
  const { before: b, after: a } = r.heldOutLoss!;
  assert.ok(b !== null && b > 5, `before training the loss is near ln(512) = 6.2, got ${b}`);
  assert.ok(a < 0.5 * b!, `held-out loss ${b} -> ${a}`);
  assert.ok(
    existsSync(join(root, 'heldout', 'model', 'config.json')) && existsSync(join(root, 'heldout', 'model', 'tokenizer.json')),
    'an HF model directory',
  );
  const events = readFileSync(join(root, 'heldout', 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.filter((e) => e.type === 'eval').map((e) => e.step),
    [0, 20],
  );
});

test('full fine-tuning with accumulation: interrupted + resumed == uninterrupted, bit for bit', async () => {
  const common = {
    batchSize: 8,
    accumulate: 2,
    maxSteps: 6,
    saveEvery: 2,
    lr: 2e-3,
    schedule: 'cosine' as const,
    warmupSteps: 2,
  };
  const whole = await runSft(opts('full-a', common));
  assert.equal(whole.steps, 6);
  const cut = await runSft(opts('full-b', common), { stopAfterStep: 3 });
  assert.deepEqual([cut.stopped, cut.steps], [true, 3]);
  assert.ok(!existsSync(join(root, 'full-b', 'model')), 'no final model after a stop');
  assert.deepEqual(readdirSync(join(root, 'full-b', 'checkpoints')), ['step-000002', 'step-000003']);
  const resumed = await runSft(opts('full-b', { ...common, resume: true }));
  assert.deepEqual([resumed.stopped, resumed.steps], [false, 6]);
  assert.deepEqual(lossesOf(join(root, 'full-b')), lossesOf(join(root, 'full-a')), 'the same loss at every step, logged once');
  const a = tensors(join(root, 'full-a', 'model')),
    b = tensors(join(root, 'full-b', 'model')),
    start = tensors(base);
  for (const name of Object.keys(a)) {
    assert.deepEqual(b[name], a[name], name);
    assert.notDeepEqual(a[name], start[name], `${name} was trained`);
  }
});

test('LoRA with dropout: resume is exact, only adapters train, OUT/model is the merged base', async () => {
  const lora = { r: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'up_proj'] };
  const common = { batchSize: 8, maxSteps: 5, saveEvery: 2, lr: 5e-3, lora };
  const whole = await runSft(opts('lora-a', common));
  await runSft(opts('lora-b', common), { stopAfterStep: 3 });
  const resumed = await runSft(opts('lora-b', { ...common, resume: true }));
  assert.equal(whole.steps, 5);
  assert.equal(resumed.steps, 5);
  assert.deepEqual(adapterTensors(join(root, 'lora-b', 'adapter')), adapterTensors(join(root, 'lora-a', 'adapter')));
  assert.deepEqual(lossesOf(join(root, 'lora-b')), lossesOf(join(root, 'lora-a')));
  const merged = tensors(join(root, 'lora-a', 'model')),
    start = tensors(base);
  for (const [name, t] of Object.entries(start)) {
    const adapted = /\.(q_proj|v_proj|up_proj)\.weight$/.test(name);
    if (adapted) assert.notDeepEqual(merged[name], t, `${name} has the adapter merged in`);
    else assert.deepEqual(merged[name], t, `${name} is not adapted and must be the base's`);
  }
  const cfg = JSON.parse(readFileSync(join(root, 'lora-a', 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.base_model_name_or_path, base);
  // A large base is fed as graph inputs instead of initializers: the same steps.
  await runSft(opts('lora-c', { ...common, maxSteps: 3, frozenLimitBytes: 0 }));
  const fed = lossesOf(join(root, 'lora-c')),
    frozen = lossesOf(join(root, 'lora-a')).slice(0, 3);
  fed.forEach((l, i) => assert.ok(Math.abs(l - frozen[i]) < 1e-5, `step ${i + 1}: ${l} (fed) vs ${frozen[i]} (initializers)`));
});

test('resume refuses changed options; an earlier run is replaced only with --force, and only its own files', async () => {
  await assert.rejects(
    runSft(
      opts('full-b', {
        batchSize: 4,
        accumulate: 2,
        maxSteps: 6,
        saveEvery: 2,
        lr: 2e-3,
        schedule: 'cosine',
        warmupSteps: 2,
        resume: true,
      }),
    ),
    (e: Error) => e instanceof SftInputError && /cannot resume: batchSize was 8 in that run and is 4 now/.test(e.message),
  );
  await assert.rejects(
    runSft(opts('full-a', { maxSteps: 1 })),
    (e: Error) => e instanceof SftInputError && /full-a: already exists and is not empty \(use --force/.test(e.message),
  );
  writeFileSync(join(root, 'full-a', 'notes.txt'), 'mine');
  mkdirSync(join(root, 'full-a', 'checkpoints', 'step-000099'), { recursive: true });
  await runSft(opts('full-a', { maxSteps: 1, force: true, saveEvery: 0 }));
  assert.deepEqual(readdirSync(join(root, 'full-a', 'checkpoints')), ['step-000001']);
  assert.equal(readFileSync(join(root, 'full-a', 'notes.txt'), 'utf8'), 'mine');
});
