// The SFT loss (mean NLL of the completion tokens) and its gradient for every weight equal
// PyTorch's (test/reference/llama_parity.py, float64) for the same model directory and batch:
// relative error <= 1e-4 per tensor in float32. Covers the Gemm-based linear layers and their VJP,
// the gathered LM head, tied and untied embeddings and Qwen2 biases.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { grad } from '../../../src/engine/graph/autodiff';
import type { HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph } from '../../../src/engine/graph/graph';
import { serialize } from '../../../src/engine/graph/serialize';
import type { ModelConfigInput } from '../../../src/engine/io/hfConfig';
import { saveModel } from '../../../src/engine/nn/model';
import { Session } from '../../../src/engine/runtime/session';
import { collate } from '../../../src/engine/sft/batches';
import { completionNll, SFT_BATCH } from '../../../src/engine/sft/loss';
import { sftExampleTokens } from '../../../src/engine/prompts/tokens';
import { runTorch } from '../../helpers/torch';
import { randomModel } from '../nn/helpers';

const root = mkdtempSync(join(tmpdir(), 'maporl-sftloss-'));
after(() => rmSync(root, { recursive: true, force: true }));

const EXAMPLES = [
  { prompt: 'Tom has 3 bags of 4 pens. How many pens does Tom have now?', completion: ' 3 * 4 = 12. Answer: 12' },
  { prompt: 'All cats are animals.', completion: ' Answer: entailment' },
  { prompt: 'Eve has 5 cups.', completion: ' 5' },
];

function relError(ours: ArrayLike<number>, ref: readonly number[]): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

const VARIANTS: Record<string, Partial<ModelConfigInput>> = {
  'llama, tied embeddings, GQA': { tieWordEmbeddings: true },
  'qwen2, untied, q/k/v bias': { modelType: 'qwen2', tieWordEmbeddings: false, numKeyValueHeads: 1 },
};

for (const [i, [label, arch]] of Object.entries(VARIANTS).entries()) {
  test(`SFT loss and all weight gradients equal PyTorch's: ${label}`, async () => {
    const model = await randomModel(arch, 40 + i);
    const dir = join(root, `m${i}`);
    await saveModel(dir, model, { tokenizerFiles: model.tokenizerFiles });
    const batch = collate(
      EXAMPLES.map((e) => sftExampleTokens(model.tokenizer, e)),
      0,
    );

    const g = new Graph('sft_loss');
    const names = Object.keys(model.weights);
    const w = Object.fromEntries(names.map((n) => [n, g.input(`w.${n}`, 'float32', model.weights[n].shape)]));
    const b = Object.fromEntries(Object.entries(SFT_BATCH).map(([k, s]) => [k, g.input(k, s.dtype, s.shape)]));
    const { loss, tokens } = completionNll(model.config, w, b);
    g.output('loss', loss);
    g.output('tokens', tokens);
    grad(
      loss,
      names.map((n) => w[n]),
    ).forEach((t, j) => g.output(`grad.${names[j]}`, t));
    const session = await Session.create(serialize(g), { threads: 1 });
    const feeds: Record<string, HostTensor> = { ...batch };
    for (const n of names) feeds[`w.${n}`] = model.weights[n];
    const out = await session.run(feeds);
    await session.release();

    const plain = Object.fromEntries(
      Object.entries(batch).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data as BigInt64Array, Number) }]),
    );
    const ref = runTorch<{ loss: number; grads: Record<string, number[]> }>('llama_parity.py', {
      task: 'sft_loss',
      modelDir: dir,
      batch: plain,
    });
    assert.equal((out.tokens.data as Float32Array)[0], batch.loss_index.shape[0]);
    const ours = (out.loss.data as Float32Array)[0];
    assert.ok(Math.abs(ours - ref.loss) <= 1e-4 * Math.abs(ref.loss), `loss ${ours} vs torch ${ref.loss}`);
    for (const n of names) {
      assert.ok(
        ref.grads[n].some((x) => x !== 0),
        `torch's gradient of ${n} is all zeros`,
      );
      const err = relError(out[`grad.${n}`].data as Float32Array, ref.grads[n]);
      assert.ok(err <= 1e-4, `gradient of ${n}: relative error ${err.toExponential(2)}`);
    }
  });
}
