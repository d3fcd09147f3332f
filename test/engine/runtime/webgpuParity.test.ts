// The WebGPU provider computes what the CPU provider computes: the `tiny` preset's logits (ORT's
// fused kernels, as generation builds them) and one training step's gradients (the composite ops of
// TrainStep's gradient graph), in float32, per tensor max |webgpu - cpu| / max |cpu| <= 2e-3.
//
// Without a GPU, WebGPU runs on a software Vulkan device: SwiftShader, the ICD in Debian's chromium
// package, selected with VK_DRIVER_FILES unless VK_DRIVER_FILES or VK_ICD_FILENAMES is set already
// (the Vulkan loader reads them when Dawn first starts, i.e. at the first WebGPU session of this
// process). Debian 12's lavapipe is refused by Dawn: docs/performance.md, "WebGPU on a software
// adapter", which also lists the nodes ORT leaves on the CPU.
//
// The tolerance: SwiftShader's sin/cos are off by up to 2e-4 (WGSL allows 2^-11 on [-pi, pi]), which
// reaches logits and gradients through the RoPE tables as up to ~5e-4 relative; where sin/cos are
// exact (Mesa 25's lavapipe) both agree to ~1e-6. A wrong kernel shows as errors of order one.
//
// No adapter is a test FAILURE, not a skip: scripts/install-test-deps.sh installs what CI needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindWeights, tokenInputs } from '../../../src/engine/generate/graphs';
import { leftPad } from '../../../src/engine/generate/runtime';
import { dataOf, type HostTensor } from '../../../src/engine/core/hostTensor';
import { Graph } from '../../../src/engine/graph/graph';
import { serialize } from '../../../src/engine/graph/serialize';
import { buildGradsGraph } from '../../../src/engine/graph/train/stepGraphs';
import { llamaForward, lmHead } from '../../../src/engine/nn/llama';
import { createPresetModel, type CausalLM } from '../../../src/engine/nn/model';
import { Session } from '../../../src/engine/runtime/session';
import { collate } from '../../../src/engine/sft/batches';
import { sftStepSpec } from '../../../src/engine/sft/step';
import { randomWeights } from '../nn/helpers';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_DRIVER_FILES && !process.env.VK_ICD_FILENAMES) process.env.VK_DRIVER_FILES = SWIFTSHADER_ICD;

const REL_TOL = 2e-3;
const NO_ADAPTER_HINT =
  `scripts/install-test-deps.sh installs Debian's chromium (SwiftShader, ${SWIFTSHADER_ICD}) ` +
  "and libvulkan1; or point VK_DRIVER_FILES at another Vulkan driver's ICD file";

/** The `tiny` preset with weights wide enough that logits spread over several units (nn/helpers.ts). */
async function tinyModel(seed: number): Promise<CausalLM> {
  const model = await createPresetModel('tiny', seed);
  return { ...model, weights: randomWeights(model.config, seed) };
}

/** Runs one model on the CPU and on WebGPU with the same feeds; a fallback to CPU fails the test. */
async function onBoth(
  model: Uint8Array,
  feeds: Record<string, HostTensor>,
): Promise<{ cpu: Record<string, HostTensor>; webgpu: Record<string, HostTensor> }> {
  const run = async (ep: 'cpu' | 'webgpu') => {
    const fallbacks: string[] = [];
    const session = await Session.create(model, { executionProvider: ep, threads: 1, onFallback: (m) => fallbacks.push(m) });
    try {
      assert.equal(session.provider, ep, `no WebGPU adapter (${fallbacks[0]}): ${NO_ADAPTER_HINT}`);
      return await session.run(feeds);
    } finally {
      await session.release();
    }
  };
  return { cpu: await run('cpu'), webgpu: await run('webgpu') };
}

/** max |got - want| / max |want| over one tensor. */
function relError(got: HostTensor, want: HostTensor): number {
  const a = dataOf(got, 'float32'),
    b = dataOf(want, 'float32');
  assert.deepEqual(got.shape, want.shape);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(scale > 0, 'the reference tensor is all zeros: nothing compared');
  return diff / scale;
}

test('WebGPU logits of the tiny preset (fused kernels, left-padded batch) equal the CPU ones', async () => {
  const model = await tinyModel(11);
  const g = new Graph('logits');
  const w = bindWeights(g, { weights: model.weights, trainable: new Set() });
  const { hidden } = llamaForward(model.config, w, tokenInputs(g), { fused: true });
  g.output('logits', lmHead(model.config, w, hidden)); // [B, T, V]
  const batch = leftPad(
    [
      [1, 57, 93, 140, 41, 7, 300, 12],
      [1, 20, 211, 5],
    ],
    model.config.padTokenId ?? 0,
  );
  const out = await onBoth(serialize(g), { input_ids: batch.ids, positions: batch.positions, attention_mask: batch.mask });
  const err = relError(out.webgpu.logits, out.cpu.logits);
  assert.ok(err <= REL_TOL, `logits: relative error ${err.toExponential(2)}`);
});

test('WebGPU gradients of one SFT step of the tiny preset equal the CPU ones, every parameter', async () => {
  const model = await tinyModel(12);
  const { spec } = sftStepSpec(model, { weightDecay: 0, maxGradNorm: 0 });
  // The accumulation graph's first micro-batch: outputs new.acc.<name> are the plain gradients.
  const graph = serialize(buildGradsGraph(spec, false));
  const batch = collate(
    [
      { ids: [1, 57, 93, 140, 41, 7, 300, 12, 2], promptLength: 4 },
      { ids: [1, 20, 211, 5, 66, 2], promptLength: 3 },
    ],
    model.config.padTokenId ?? 0,
  );
  const feeds: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(model.weights)) feeds[`param.${name}`] = t;
  for (const [name, t] of Object.entries(batch)) feeds[`batch.${name}`] = t;
  const out = await onBoth(graph, feeds);
  const failures: string[] = [];
  for (const name of ['loss', ...Object.keys(spec.params).map((n) => `new.acc.${n}`)]) {
    const err = relError(out.webgpu[name], out.cpu[name]);
    if (!(err <= REL_TOL)) failures.push(`${name}: ${err.toExponential(2)}`);
  }
  assert.deepEqual(failures, [], `relative errors above ${REL_TOL}`);
});
