// Per-policy PPO updates in worker threads (issue 27), with the scoring of their rollouts and the
// sampling of new ones, give what the main thread gives: a per-agent update of two `tiny` policies run both ways from the same start, with the same minibatches,
// ends with the same statistics and the same weights, AdamW moments, step counts and generation
// weights, and the policies sample the same tokens before and after it (same seeds); and a per-agent run whose policies update in workers resumes from a checkpoint byte for
// byte like the uninterrupted run. At the same intra-op thread count (one) the kernels are the same, so the results are
// bit-identical. With two threads in the main thread against one in each worker the summation order
// differs: the statistics agree to 1e-5 relative, the weights to 5% of one step's lr (an Adam step
// moves a weight by up to lr whatever its gradient's size, so a tiny gradient's rounding shows at
// that scale; measured 8e-6 with lr 1e-3), the AdamW moments to 1e-3 relative (floor 1e-3) and the
// generation log-probs to 1e-5 (measured 1.2e-7).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { HostTensor } from '../../../../src/engine/core/hostTensor';
import type { Generation } from '../../../../src/engine/generate/runtime';
import { Policy } from '../../../../src/engine/maporl/ppo/policy';
import type { PpoHyper } from '../../../../src/engine/maporl/ppo/ppoGraph';
import { ppoUpdate, type Rollout, type UpdateStats } from '../../../../src/engine/maporl/ppo/ppoUpdate';
import { updateWorkerThreads } from '../../../../src/engine/maporl/ppo/team';
import { UpdateWorker } from '../../../../src/engine/maporl/ppo/updateWorker';
import { train } from '../../../../src/engine/maporl/train/trainer';
import type { LoraConfig } from '../../../../src/engine/nn/lora';
import { createPresetModel, type CausalLM } from '../../../../src/engine/nn/model';
import { parseConfig, type MaporlConfig } from '../../../../src/engine/maporl/config';
import { rng } from '../../../helpers/rng';

type Ppo = MaporlConfig['training']['ppo'];
const PPO: Ppo = { ...parseConfig({}).training.ppo, epochs: 2, minibatchSize: 3, lr: 1e-3, advantage: 'gae' };
const HYPER: PpoHyper = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 1, critic: true };
const LORA: LoraConfig = { r: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'down_proj'] };

interface Setup {
  name: string;
  hyper: PpoHyper;
  lora?: LoraConfig;
  ppo: Ppo;
  /** Sampled log-probs with one -Infinity: that rollout's minibatches are skipped (not whitened, so only they are). */
  poisoned?: boolean;
}

const SETUPS: Setup[] = [
  { name: 'full fine-tuning, value head on the trunk', hyper: HYPER, ppo: PPO },
  {
    name: 'LoRA with dropout, separate critic, a skipped minibatch',
    hyper: { ...HYPER, criticPlacement: 'separate' },
    lora: LORA,
    ppo: { ...PPO, whitenAdvantages: false },
    poisoned: true,
  },
];

/** Two agents' rollouts: random responses to random prompts, rewards in [0, 1], three questions. */
function rollouts(base: CausalLM, policies: Policy[], seed: number): Rollout[] {
  const r = rng(seed);
  const tok = () => 3 + Math.floor(r() * (base.config.vocabSize - 3));
  return Array.from({ length: 12 }, (_, i) => ({
    policy: policies[i % policies.length],
    prompt: [1, ...Array.from({ length: 4 + Math.floor(r() * 8) }, tok)],
    response: Array.from({ length: 2 + Math.floor(r() * 6) }, tok),
    reward: r(),
    turn: 0,
    agent: i % policies.length,
    question: Math.floor(i / 4),
  }));
}

interface Outcome {
  stats: UpdateStats;
  states: { params: Record<string, HostTensor>; m: Record<string, HostTensor>; v: Record<string, HostTensor>; step: number }[];
  /** The generation weights after the update, as they sample: a log-prob per response token. */
  sampled: number[][];
  /** What each policy's sampler (a worker's copy of its generation runtime, or its own) draws before and after the update. */
  generated: Generation[][][];
}

/** The built-in tokenizer's origin: a worker can then make a copy of the policies' generation runtime. */
const BASE = { preset: 'tiny', seed: 21 };

/** Both policies' samplers, side by side as a discussion's turn runs them, on the same prompts and seeds. */
function sampleBoth(policies: Policy[]): Promise<Generation[][]> {
  const prompts = [
    [1, 40, 41, 42],
    [1, 50, 51, 52, 53, 54],
    [1, 60],
  ];
  return Promise.all(
    policies.map((p, i) => p.sampler.generate(prompts, { maxNewTokens: 6, temperature: 1, topK: 0, topP: 1, seed: 5 + i })),
  );
}

async function runUpdate(setup: Setup, base: CausalLM, mode: { workers: boolean; threads: number }): Promise<Outcome> {
  const policies = await Promise.all(
    [0, 1].map((i) =>
      Policy.create(`p${i}`, base, setup.hyper, { threads: mode.threads }, 1, { lora: setup.lora, seed: 7 + i, source: BASE }),
    ),
  );
  try {
    if (mode.workers) {
      await Promise.all(policies.map((p) => p.startUpdateWorker(1, {})));
      // The rollouts' scoring (old, reference log-probs, values) and sampling run in the workers too.
      assert.ok(policies.every((p) => p.scoresInWorker(true) && p.samplesInWorker));
    }
    const generated = [await sampleBoth(policies)];
    const withPolicy = rollouts(base, policies, 3);
    if (setup.poisoned) {
      // Sampled log-probs from each policy's scores (its generation weights), one of them -Infinity.
      for (const p of policies) {
        const mine = withPolicy.filter((r) => r.policy === p);
        const s = await p.scoreRollouts(mine);
        mine.forEach((r, k) => (r.sampledLogprobs = s.logprobs[k]));
      }
      withPolicy[2].sampledLogprobs![0] = -Infinity;
    }
    const stats = await ppoUpdate(withPolicy, setup.ppo, 11);
    generated.push(await sampleBoth(policies));
    const states = policies.flatMap((p) => [p.state, ...(p.state.critic ? [p.state.critic] : [])]);
    const sampled: number[][] = [];
    for (const p of policies) {
      const mine = withPolicy.filter((r) => r.policy === p);
      const g = await p.lm.score(mine.map((r) => [...r.prompt, ...r.response]));
      mine.forEach((r, k) => sampled.push(g.logprobs[k].slice(r.prompt.length)));
    }
    return {
      stats,
      generated,
      states: states.map((s) => ({ params: copy(s.params), m: copy(s.m), v: copy(s.v), step: s.step })),
      sampled,
    };
  } finally {
    await Promise.all(policies.map((p) => p.release()));
  }
}

const copy = (r: Record<string, HostTensor>) =>
  Object.fromEntries(Object.entries(r).map(([n, t]) => [n, { ...t, data: t.data.slice() } as HostTensor]));

/** Largest |a − b| / (|b| + floor) over two outcomes' weights, moments and generation log-probs. */
function compare(a: Outcome, b: Outcome, floor: number): { weights: number; moments: number; sampled: number } {
  const rel = (x: number, y: number) => (x === y ? 0 : Math.abs(x - y) / (Math.abs(y) + floor));
  let weights = 0,
    moments = 0,
    sampled = 0;
  a.states.forEach((s, i) => {
    const t = b.states[i];
    assert.equal(s.step, t.step, 'optimizer steps');
    assert.deepEqual(Object.keys(s.params), Object.keys(t.params));
    for (const n of Object.keys(s.params)) {
      const [p, q] = [s.params[n].data as Float32Array, t.params[n].data as Float32Array];
      for (let k = 0; k < p.length; k++) weights = Math.max(weights, rel(p[k], q[k]));
      for (const part of ['m', 'v'] as const) {
        const [x, y] = [s[part][n].data as Float32Array, t[part][n].data as Float32Array];
        for (let k = 0; k < x.length; k++) moments = Math.max(moments, rel(x[k], y[k]));
      }
    }
  });
  a.sampled.forEach((row, i) => row.forEach((x, k) => (sampled = Math.max(sampled, rel(x, b.sampled[i][k])))));
  return { weights, moments, sampled };
}

for (const setup of SETUPS) {
  test(`per-policy updates in worker threads equal the main thread's (${setup.name})`, async () => {
    const base = await createPresetModel('tiny', 21);
    const main1 = await runUpdate(setup, base, { workers: false, threads: 1 });
    const workers = await runUpdate(setup, base, { workers: true, threads: 1 });
    assert.ok(main1.stats.steps > main1.stats.skippedSteps, 'some steps ran');
    if (setup.poisoned) assert.ok(main1.stats.skippedSteps > 0, 'the poisoned minibatches were skipped');
    assert.ok(main1.states[0].step > 0, 'the weights moved');
    // One thread both ways: the same kernels on the same inputs, bit for bit; sampling draws the same tokens.
    assert.deepEqual(workers.stats, main1.stats);
    assert.deepEqual(workers.generated, main1.generated);
    assert.notDeepEqual(main1.generated[1], main1.generated[0], 'the update changed what the policies sample');
    assert.deepEqual(compare(workers, main1, 0), { weights: 0, moments: 0, sampled: 0 });

    // Two threads in the main thread, one in each worker: a different summation order.
    const main2 = await runUpdate(setup, base, { workers: false, threads: 2 });
    for (const k of ['policyLoss', 'valueLoss', 'clipFraction', 'entropy', 'gradNorm', 'kl'] as const)
      assert.ok(
        workers.stats[k] === main2.stats[k] ||
          Math.abs(workers.stats[k] - main2.stats[k]) <= 1e-5 * Math.abs(main2.stats[k]) + 1e-7,
        `${k}: ${workers.stats[k]} vs ${main2.stats[k]}`,
      );
    assert.equal(workers.stats.skippedSteps, main2.stats.skippedSteps);
    const abs = compare(workers, main2, 1),
      rel = compare(workers, main2, 1e-3);
    assert.ok(abs.weights < 0.05 * PPO.lr, `weights: ${abs.weights} apart (a step moves them by up to lr)`);
    assert.ok(rel.moments < 1e-3, `AdamW moments: ${rel.moments} apart (relative)`);
    assert.ok(abs.sampled < 1e-5, `generation log-probs: ${abs.sampled} apart`);
  });
}

test('a per-agent run with update workers resumes from a checkpoint byte for byte', async () => {
  const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-ppo-workers-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const config = parseConfig({
    name: 'ppo-workers',
    seed: 3,
    task: { type: 'arith', nTrain: 16, nTest: 4 },
    agents: { count: 2, policySharing: 'per-agent' },
    discussion: { turns: 2 },
    verifier: { type: 'ground-truth' },
    generation: { maxNewTokens: 8, temperature: 1 },
    training: { iterations: 2, questionsPerIteration: 2, ppo: { advantage: 'gae', epochs: 2, minibatchSize: 3, lr: 1e-2 } },
    eval: { questions: 2, every: 0 },
    checkpoint: { every: 1 },
    // A budget of two threads: one worker thread each for the two policies.
    runtime: { threads: 2, parallelUpdates: 'auto' },
  });
  const base = await createPresetModel('tiny', 0);
  const two = await Promise.all([0, 1].map((i) => Policy.create(`p${i}`, base, HYPER, { threads: 2 }, 1)));
  assert.equal(updateWorkerThreads(two, { threads: 2 }, 'auto'), 1, 'this config updates in workers');
  await Promise.all(two.map((p) => p.release()));

  const out = path.join(root, 'run');
  assert.equal((await train({ config, baseDir: root, out })).status, 'finished');
  assert.match(
    fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8'),
    /PPO updates: 2 policies side by side in worker threads, 1 ONNX Runtime thread\(s\) each/,
    'the run log says the updates ran in workers',
  );
  const resumed = `${out}-resumed`;
  const step2 = (run: string) => path.join(run, 'checkpoints', 'step-000002');
  fs.cpSync(out, resumed, { recursive: true });
  fs.rmSync(step2(resumed), { recursive: true });
  fs.rmSync(path.join(resumed, 'summary.json'));
  assert.equal((await train({ config, baseDir: root, out: resumed, resume: true })).status, 'finished');
  for (const f of [
    'policy-0/model.safetensors',
    'policy-1/model.safetensors',
    'optimizer-0.safetensors',
    'optimizer-1.safetensors',
  ])
    assert.ok(
      fs.readFileSync(path.join(step2(resumed), f)).equals(fs.readFileSync(path.join(step2(out), f))),
      `${f} differs after resume`,
    );
});

test('a worker that cannot compile its step fails with the reason, and run() rejects instead of waiting', async () => {
  const w = UpdateWorker.start({
    runtime: { threads: 1 },
    policy: { model: Uint8Array.of(1, 2, 3), layout: { params: {} }, constants: { feeds: {} } },
  });
  await assert.rejects(w.ready, /PPO update worker: ONNX Runtime could not load the model/);
  const state = { params: {}, m: {}, v: {}, step: 0 };
  await assert.rejects(w.run({ policy: state }, [], 1e-3), /could not load the model/);
  await w.terminate();
});
