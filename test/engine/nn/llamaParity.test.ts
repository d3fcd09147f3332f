// Logits of a model directory equal those of an independent PyTorch implementation of the HF
// Llama / Qwen2 math (test/reference/llama_model.py) reading the same model.safetensors that
// saveModel wrote: max |difference| <= 1e-4 in float32, for each architecture variant the config
// can ask for, on a left-padded batch (only real positions are compared; padded ones are garbage
// by design in both).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ModelConfigInput } from '../../../src/engine/io/hfConfig';
import { loadModel, saveModel, type CausalLM } from '../../../src/engine/nn/model';
import { runTorch } from '../../helpers/torch';
import { batchLogits, maxAbs, maxAbsDiff, randomModel } from './helpers';

const TEXTS = [
  'Tom has 3 bags of 4 pens.',
  'All cats are animals. Is Tom an animal? Answer:',
  'Eve buys 12 more cups, then gives 5 to Bo. How many cups does Eve have now?',
];

const VARIANTS: Record<string, Partial<ModelConfigInput>> = {
  'llama, tied embeddings, GQA (4 heads, 2 KV)': { tieWordEmbeddings: true },
  'llama, untied embeddings, MHA, attention_bias on q/k/v/o, head_dim != hidden/heads': {
    tieWordEmbeddings: false,
    numKeyValueHeads: 4,
    headDim: 6,
    attentionBias: true,
    attentionOutputBias: true,
    rmsNormEps: 1e-5,
  },
  'qwen2: q/k/v bias, 1 KV head, rope_theta 1e6': {
    modelType: 'qwen2',
    numKeyValueHeads: 1,
    tieWordEmbeddings: true,
    ropeTheta: 1e6,
  },
  'llama 3 rope_scaling (all three frequency bands), 3 layers, untied': {
    numHiddenLayers: 3,
    tieWordEmbeddings: false,
    ropeTheta: 500000,
    headDim: 16,
    ropeScaling: { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 },
  },
};
const labels = Object.keys(VARIANTS);

const root = mkdtempSync(join(tmpdir(), 'maporl-parity-'));
const models: CausalLM[] = [];
const rows: number[][][] = [];
let reference: number[][][] = [];

// All model directories first, then one PyTorch run for all of them (an interpreter start costs seconds).
before(async () => {
  for (const [i, label] of labels.entries()) {
    const model = await randomModel(VARIANTS[label], 100 + i);
    const dir = join(root, `variant-${i}`);
    await saveModel(dir, model, { tokenizerFiles: model.tokenizerFiles });
    models.push(await loadModel(dir));
    rows.push(TEXTS.map((t) => models[i].tokenizer.encode(t)));
  }
  const jobs = labels.map((_, i) => ({ task: 'logits', modelDir: join(root, `variant-${i}`), rows: rows[i], padId: 0 }));
  reference = runTorch<{ results: { logits: number[][] }[] }>('llama_parity.py', { jobs }).results.map((r) => r.logits);
});
after(() => rmSync(root, { recursive: true, force: true }));

// Both forms of the graph: composite ops (training) and ORT's fused RMSNorm/RoPE kernels (inference).
for (const fused of [false, true]) {
  for (const [i, label] of labels.entries()) {
    test(`logits equal PyTorch's for ${label}${fused ? ', fused inference kernels' : ''}`, async () => {
      assert.ok(new Set(rows[i].map((r) => r.length)).size === rows[i].length, 'rows of different lengths exercise left padding');
      const ours = await batchLogits(models[i], rows[i], 0, undefined, fused);
      rows[i].forEach((r, j) => {
        const ref = reference[i][j];
        assert.ok(maxAbs(ref) > 1, `row ${j}: torch logits are all near zero (max ${maxAbs(ref)}); the check would be weak`);
        const diff = maxAbsDiff(ours[j], ref);
        assert.ok(diff <= 1e-4, `row ${j} (${r.length} tokens): max |ours - torch| = ${diff.toExponential(2)}`);
      });
    });
  }
}
