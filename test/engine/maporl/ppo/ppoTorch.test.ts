// One full PPO optimizer step of the engine's Policy (scoring, then Policy.update: the compiled
// forward + loss + backward + clipping + AdamW graph) against the same step written from scratch in
// PyTorch (test/reference/ppo_step.py) on the same weights, Adam state and batch. Compared: the
// loss and its parts, the gradient norm before clipping, and every updated parameter.
//
// The batch is set up so that each branch of the math is taken: 4 sequences with different prompt
// and response lengths (left padding moves every action position), temperature 0.7, old log-probs
// off from the scored ones by ±0.1 (inside the clip range) and ±0.3 (outside it, on both sides; with
// both signs of advantage, so some clipped tokens pass a gradient and some do not), old values off
// by ±0.1 and ±0.4 against vfClip 0.2, and maxGradNorm below the gradient norm so clipping engages.
//
// The Adam moments are not zero: they are seeded (as after PRIOR_STEPS steps). A first step from
// zero moments moves every weight by ≈ lr·sign(g), which is blind to the gradient's magnitude, so
// neither a wrong clipping factor nor a wrongly scaled loss would show in the weights. With
// moments of the gradient's order, the update depends on g's scale, on the step count (bias
// correction) and on both moments.
//
// Tolerances (torch runs in float64, the engine in float32; each test reports its differences as
// a diagnostic). Measured: loss and its parts within 2e-7 relative, the gradient norm within 2e-6;
// weights within half a float32 ulp of torch's value plus 1e-5 of the largest update (~1.2e-3).
// Bounds: 2e-5 relative (LOSS_RTOL) and half an ulp plus 1e-4 of the largest update
// (UPDATE_RTOL), 10x above those. What real bugs do, found by breaking the torch side on purpose:
// dropping the temperature moves the loss 1.4-4%, an action shifted by one position 20%, a wrong
// sign, min for max, no ratio clip, clip range 0.25 or a per-sequence mean 0.8-500%, the value loss
// without its clip, its ½ or with vfCoef 1 1.7-200%; a value gradient that skips the trunk moves the
// gradient norm 15%; in the weights (as a fraction of the largest update), AdamW's step count off
// by one 4e-2, no gradient clipping or maxGradNorm 0.55 instead of 0.5 3e-2 or more, beta2 0.99
// 0.7 (of the larger update it makes), eps 1e-6 1.2e-4, and weight decay 0.01 on the matrices 7e-4.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HostTensor } from '../../../../src/engine/core/hostTensor';
import { packedActionBatch } from '../../../../src/engine/generate/actions';
import { SafetensorsReader, writeSafetensors } from '../../../../src/engine/io/safetensors';
import { Policy, type PpoSample, type SequenceTokens } from '../../../../src/engine/maporl/ppo/policy';
import type { PpoHyper } from '../../../../src/engine/maporl/ppo/ppoGraph';
import { gaussian } from '../../../../src/engine/core/random';
import { createPresetModel, saveModel, type CausalLM } from '../../../../src/engine/nn/model';
import { VALUE_HEAD } from '../../../../src/engine/nn/heads';
import { runTorch } from '../../../helpers/torch';
import { rng } from '../../../helpers/rng';

const TEMPERATURE = 0.7;
const LR = 1e-3;
const PRIOR_STEPS = 4; // this update is AdamW step 5
const HYPER = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 0.5 };
// Old log-prob offsets, cycled over the tokens: ratio exp(-δ) = 1.35, 1.105, 1, 0.905, 0.741.
const LOGP_OFFSETS = [-0.3, -0.1, 0, 0.1, 0.3];
const VALUE_OFFSETS = [-0.4, -0.1, 0.1, 0.4];

// Tolerances: relative to the reference's magnitude for the loss, its parts and the gradient
// norm; for the weights, a fraction of the largest update beyond float32 rounding of the result.
const LOSS_RTOL = 2e-5;
const UPDATE_RTOL = 1e-4;
const F32_EPS = 2 ** -23; // ulp(x) <= F32_EPS·|x|

interface TorchResult {
  loss: number;
  gradNorm: number;
  metrics: Record<string, number>;
}

const root = mkdtempSync(join(tmpdir(), 'maporl-ppo-torch-'));
const modelDir = join(root, 'model');
let base: CausalLM;
let seqs: SequenceTokens[];

before(async () => {
  const model = await createPresetModel('tiny', 11);
  await saveModel(modelDir, model, { tokenizerFiles: model.tokenizerFiles });
  base = model;
  const enc = (s: string) => model.tokenizer.encode(s, { addSpecialTokens: false });
  seqs = [
    { prompt: [1, ...enc('Tom has 3 pens. Ann gives him 2. How many?\nA:')], response: enc(' 3+2=5. Answer: 5') },
    { prompt: [1, ...enc('Is a cat an animal?\nA:')], response: enc(' yes, it is') },
    { prompt: [1, ...enc('Eve buys 12 cups and gives 5 away. How many cups now?\nA:')], response: enc(' 7') },
    // Short enough to share a row with another sequence: the step here runs on packed rows (segment
    // ids in attention_mask), PyTorch's on one padded row per sequence.
    { prompt: [1, ...enc('2+2?')], response: enc(' 4') },
  ];
  assert.ok(packedActionBatch(seqs, 0).tensors.input_ids.shape[0] < seqs.length, 'the batch packs');
});
after(() => rmSync(root, { recursive: true, force: true }));

for (const critic of [false, true]) {
  test(`one PPO step equals a from-scratch PyTorch step (${critic ? 'value head on the trunk' : 'policy loss only'})`, async (t) => {
    const hyper: PpoHyper = { ...HYPER, critic };
    const policy = await Policy.create('p', base, hyper, { threads: 1 }, TEMPERATURE);
    try {
      const state = policy.state;
      const normal = gaussian(critic ? 21 : 20);
      const r = rng(critic ? 8 : 7);
      if (critic) {
        // A zero head (initHead) would pass no value gradient to the trunk: give it random weights.
        state.params[VALUE_HEAD.weight] = f32([1, base.config.hiddenSize], () => 0.1 * normal());
        state.params[VALUE_HEAD.bias] = f32([1], () => 0.05);
      }
      for (const [name, p] of Object.entries(state.params)) {
        state.m[name] = f32(p.shape, () => 1e-3 * normal());
        state.v[name] = f32(p.shape, () => (1e-3 * (0.5 + r())) ** 2);
      }
      state.step = PRIOR_STEPS;

      const scores = await policy.scoreRollouts(seqs);
      let j = 0;
      const samples: PpoSample[] = seqs.map((q, i) => ({
        ...q,
        oldLogprobs: scores.logprobs[i].map((lp) => lp + LOGP_OFFSETS[j++ % LOGP_OFFSETS.length]),
        advantages: q.response.map(() => 2 * r() - 1),
        ...(critic
          ? {
              returns: q.response.map(() => 2 * r() - 1),
              oldValues: scores.values[i].map((v, k) => v + VALUE_OFFSETS[(i + k) % VALUE_OFFSETS.length]),
            }
          : {}),
      }));
      checkBranches(samples, scores.logprobs, scores.values, hyper);

      const statePath = join(root, `state-${critic}.safetensors`),
        outPath = join(root, `out-${critic}.safetensors`);
      writeSafetensors(statePath, {
        ...prefixedData('m.', state.m),
        ...prefixedData('v.', state.v),
        ...(critic
          ? prefixedData('param.', {
              [VALUE_HEAD.weight]: state.params[VALUE_HEAD.weight],
              [VALUE_HEAD.bias]: state.params[VALUE_HEAD.bias],
            })
          : {}),
      });
      const before = Object.fromEntries(
        Object.entries(state.params).map(([n, t]) => [n, Float32Array.from(t.data as Float32Array)]),
      );
      const ref = runTorch<TorchResult>('ppo_step.py', {
        modelDir,
        statePath,
        outPath,
        step: PRIOR_STEPS + 1,
        lr: LR,
        temperature: TEMPERATURE,
        hyper,
        samples,
      });

      const res = await policy.update(samples, LR);
      assert.equal(res.skipped, false);
      assert.equal(state.step, PRIOR_STEPS + 1);
      assert.ok(
        ref.gradNorm > 2 * HYPER.maxGradNorm,
        `gradient norm ${ref.gradNorm} should exceed maxGradNorm ${HYPER.maxGradNorm}: clipping must engage`,
      );
      assert.ok(ref.metrics.clipFraction > 0 && ref.metrics.clipFraction < 1, `clip fraction ${ref.metrics.clipFraction}`);

      const close = (what: string, ours: number, want: number) => {
        const d = Math.abs(ours - want);
        assert.ok(
          d <= LOSS_RTOL * Math.max(Math.abs(want), 1e-2),
          `${what}: engine ${ours}, torch ${want} (|diff| ${d.toExponential(2)})`,
        );
        return d;
      };
      const report: string[] = [];
      report.push(`loss ${res.loss} |diff| ${close('loss', res.loss, ref.loss).toExponential(2)}`);
      report.push(`gradNorm ${res.gradNorm} |diff| ${close('gradient norm', res.gradNorm, ref.gradNorm).toExponential(2)}`);
      for (const k of Object.keys(ref.metrics))
        report.push(`${k} ${res.metrics[k]} |diff| ${close(k, res.metrics[k], ref.metrics[k]).toExponential(2)}`);

      // Every parameter, element by element: the engine's new value against torch's, allowing the
      // float32 rounding of the stored value (half an ulp) plus UPDATE_RTOL of the largest update.
      const out = SafetensorsReader.open(outPath);
      try {
        assert.deepEqual(out.names().sort(), Object.keys(state.params).sort());
        const want: Record<string, Float64Array> = Object.fromEntries(
          out.names().map((n) => [n, out.read(n).data as Float64Array]),
        );
        let maxUpdate = 0;
        for (const [name, w] of Object.entries(want))
          for (let i = 0; i < w.length; i++) maxUpdate = Math.max(maxUpdate, Math.abs(w[i] - before[name][i]));
        assert.ok(maxUpdate > LR / 2, `the step barely moved the weights (max update ${maxUpdate})`);
        let maxDiff = 0,
          maxExcess = 0,
          worst = '';
        for (const [name, w] of Object.entries(want)) {
          const got = state.params[name].data as Float32Array;
          for (let i = 0; i < w.length; i++) {
            const d = Math.abs(got[i] - w[i]);
            maxDiff = Math.max(maxDiff, d);
            const excess = d - 0.5 * F32_EPS * Math.abs(w[i]); // beyond storing the exact value in float32
            if (excess > maxExcess) {
              maxExcess = excess;
              worst = `${name}[${i}]: engine ${got[i]}, torch ${w[i]}, before ${before[name][i]}`;
            }
          }
        }
        report.push(
          `params: max |update| ${maxUpdate.toExponential(2)}, max |engine - torch| ${maxDiff.toExponential(2)}, beyond float32 rounding ${maxExcess.toExponential(2)} (${(maxExcess / maxUpdate).toExponential(1)} of the max update)`,
        );
        assert.ok(
          maxExcess <= UPDATE_RTOL * maxUpdate,
          `${worst}: off by ${maxExcess.toExponential(2)} beyond rounding, more than ${UPDATE_RTOL} x the largest update ${maxUpdate.toExponential(2)}`,
        );
      } finally {
        out.close();
      }
      t.diagnostic(report.join('; '));
    } finally {
      await policy.release();
    }
  });
}

/** Every clip decision is taken with a margin, so float32 rounding cannot flip a branch. */
function checkBranches(samples: PpoSample[], logprobs: number[][], values: number[][], h: PpoHyper): void {
  const seen = { low: 0, high: 0, inside: 0, vClipped: 0, vInside: 0 };
  samples.forEach((s, i) =>
    s.response.forEach((_, k) => {
      const ratio = Math.exp(logprobs[i][k] - s.oldLogprobs[k]);
      assert.ok(
        Math.abs(ratio - (1 - h.clipRange)) > 0.02 && Math.abs(ratio - (1 + h.clipRange)) > 0.02,
        `ratio ${ratio} is near a clip boundary`,
      );
      if (ratio < 1 - h.clipRange) seen.low++;
      else if (ratio > 1 + h.clipRange) seen.high++;
      else seen.inside++;
      if (!h.critic) return;
      const dv = values[i][k] - s.oldValues![k];
      assert.ok(Math.abs(Math.abs(dv) - h.vfClip) > 0.02, `value change ${dv} is near vfClip`);
      if (Math.abs(dv) > h.vfClip) {
        seen.vClipped++;
        const vc = s.oldValues![k] + Math.sign(dv) * h.vfClip,
          ret = s.returns![k];
        assert.ok(Math.abs((values[i][k] - ret) ** 2 - (vc - ret) ** 2) > 1e-3, 'the two value errors nearly tie');
      } else seen.vInside++;
    }),
  );
  assert.ok(
    seen.low > 0 && seen.high > 0 && seen.inside > 0,
    `ratios below/above/inside the clip range: ${JSON.stringify(seen)}`,
  );
  if (h.critic) assert.ok(seen.vClipped > 0 && seen.vInside > 0, `value changes clipped/inside: ${JSON.stringify(seen)}`);
}

function f32(shape: number[], fill: () => number): HostTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = fill();
  return { dtype: 'float32', shape: [...shape], data };
}

function prefixedData(prefix: string, r: Record<string, HostTensor>): Record<string, { shape: number[]; data: Float32Array }> {
  return Object.fromEntries(
    Object.entries(r).map(([n, t]) => [prefix + n, { shape: t.shape as number[], data: t.data as Float32Array }]),
  );
}
