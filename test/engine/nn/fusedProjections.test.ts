// Stacked q/k/v and gate/up projections (ForwardOptions.fuseProjections: a Concat of the weights in
// the graph, a Split of the product) give the same hidden states and the same gradient for every
// separate HF tensor as the separate products: float32, within 1e-5 relative to the largest value,
// for a GQA model and one with q/k/v biases; and host stacking keeps every other tensor as it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { grad } from '../../../src/engine/graph/autodiff';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { leftPad } from '../../../src/engine/generate/runtime';
import { fuseHostProjections, partsOf } from '../../../src/engine/nn/fusedProjections';
import { llamaForward } from '../../../src/engine/nn/llama';
import type { CausalLM } from '../../../src/engine/nn/model';
import { Session } from '../../../src/engine/runtime/session';
import { randomModel } from './helpers';
import { tokenInputs } from '../../../src/engine/generate/graphs';

async function hiddenAndGrads(model: CausalLM, stacked: boolean): Promise<Record<string, Float32Array>> {
  const g = new Graph('stacked');
  const w = Object.fromEntries(Object.entries(model.weights).map(([n, t]) => [n, g.input(n, 'float32', t.shape)]));
  const { hidden } = llamaForward(model.config, w, tokenInputs(g), { fuseProjections: stacked });
  const names = Object.keys(w).filter((n) => n !== 'model.embed_tokens.weight');
  const grads = grad(
    F.sumAll(F.mul(hidden, hidden)),
    names.map((n) => w[n]),
  );
  g.output('hidden', hidden);
  names.forEach((n, i) => g.output(`d.${n}`, grads[i]));
  const session = await Session.create(serialize(g), { threads: 1 });
  const batch = leftPad(
    [
      [5, 9, 13, 2, 7],
      [4, 8, 1],
    ],
    0,
  );
  const out = await session.run({
    ...model.weights,
    input_ids: batch.ids,
    positions: batch.positions,
    attention_mask: batch.mask,
  });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, dataOf(v, 'float32')]));
}

for (const [label, arch] of [
  ['GQA', {}],
  ['q/k/v biases', { modelType: 'qwen2' as const, attentionBias: true }],
] as const) {
  test(`stacked projections in a training graph: same hidden states and gradients as separate ones (${label})`, async () => {
    const model = await randomModel(arch, 9);
    const [stacked, separate] = [await hiddenAndGrads(model, true), await hiddenAndGrads(model, false)];
    for (const k of Object.keys(separate)) {
      const scale = Math.max(...separate[k].map(Math.abs), 1e-6);
      const diff = Math.max(...separate[k].map((v, i) => Math.abs(v - stacked[k][i])));
      assert.ok(diff / scale < 1e-5, `${k}: max |stacked - separate| ${diff.toExponential(2)} (scale ${scale.toExponential(2)})`);
    }
  });
}

test('host stacking: q/k/v and gate/up rows in order, the separate tensors gone, the rest shared', async () => {
  const model = await randomModel({ modelType: 'qwen2', attentionBias: true }, 10);
  const stacked = fuseHostProjections(model.weights);
  const p = 'model.layers.1.';
  const qkv = stacked[`${p}self_attn.qkv_proj.weight`];
  const parts = partsOf(`${p}self_attn.qkv_proj.weight`);
  assert.deepEqual(
    parts,
    ['q_proj', 'k_proj', 'v_proj'].map((n) => `${p}self_attn.${n}.weight`),
  );
  assert.deepEqual(
    Array.from(dataOf(qkv, 'float32')),
    parts.flatMap((n) => Array.from(model.weights[n].data as Float32Array)),
  );
  assert.ok(stacked[`${p}self_attn.qkv_proj.bias`] && stacked[`${p}mlp.gate_up_proj.weight`]);
  for (const n of [...parts, `${p}mlp.gate_proj.weight`, `${p}self_attn.q_proj.bias`]) assert.equal(stacked[n], undefined, n);
  assert.equal(stacked[`${p}self_attn.o_proj.weight`], model.weights[`${p}self_attn.o_proj.weight`]);
});
