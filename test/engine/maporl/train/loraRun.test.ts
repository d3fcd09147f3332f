// A LoRA MAPoRL run with separate critics, end to end at tiny size:
// checkpoints hold PEFT adapter directories (policy and critic) with AdamW state, a run resumed
// from one ends byte for byte like the uninterrupted run, and `maporl eval --checkpoint` samples
// from base + adapters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadCheckpointModel } from '../../../../src/engine/maporl/run/checkpoint';
import { parseConfig } from '../../../../src/engine/maporl/config';
import { train } from '../../../../src/engine/maporl/train/trainer';
import { createPresetModel } from '../../../../src/engine/nn/model';

const REPO = path.resolve(__dirname, '../../../..');
const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-lora-run-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const CONFIG = parseConfig({
  name: 'lora-run',
  seed: 4,
  task: { type: 'nli', nTrain: 16, nTest: 4 },
  agents: { count: 2, policySharing: 'per-agent' },
  discussion: { turns: 2 },
  verifier: { type: 'ground-truth' },
  generation: { maxNewTokens: 6, temperature: 1 },
  training: {
    iterations: 2,
    questionsPerIteration: 2,
    ppo: { advantage: 'gae', critic: 'separate', epochs: 1, minibatchSize: 8, lr: 1e-2 },
    lora: { rank: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] },
  },
  eval: { questions: 2, every: 0 },
  checkpoint: { every: 1 },
  runtime: { threads: 1 },
});

const bytes = (f: string) => fs.readFileSync(f);
const step = (run: string, n: number) => path.join(run, 'checkpoints', `step-00000${n}`);

/** Resumes a copy of `out` from step 1 and checks that `files` of step 2 come out byte for byte the same. */
async function assertExactResume(out: string, config: typeof CONFIG, files: string[]): Promise<void> {
  const resumed = `${out}-resumed`;
  fs.cpSync(out, resumed, { recursive: true });
  fs.rmSync(step(resumed, 2), { recursive: true });
  fs.rmSync(path.join(resumed, 'summary.json')); // a run killed before step 2 has none (a finished run is not resumed)
  assert.equal((await train({ config, baseDir: root, out: resumed, resume: true })).status, 'finished');
  for (const f of files)
    assert.ok(bytes(path.join(step(resumed, 2), f)).equals(bytes(path.join(step(out, 2), f))), `${f} differs after resume`);
}

test('LoRA + separate critic: PEFT checkpoints, exact resume, and maporl eval of base + adapters', async () => {
  const out = path.join(root, 'run');
  const summary = await train({ config: CONFIG, baseDir: root, out });
  assert.equal(summary.status, 'finished', summary.message);
  const last = step(out, 2);
  for (let i = 0; i < 2; i++) {
    const files = fs.readdirSync(path.join(last, `policy-${i}`)).sort();
    assert.deepEqual(
      files,
      ['adapter_config.json', 'adapter_model.safetensors', 'base_model.json', 'value_head.safetensors'],
      `policy-${i}: adapters only, no copy of the base`,
    );
    const peft = JSON.parse(fs.readFileSync(path.join(last, `policy-${i}`, 'adapter_config.json'), 'utf8'));
    assert.equal(peft.base_model_name_or_path, 'tiny');
    assert.deepEqual([peft.r, peft.lora_alpha, peft.target_modules], [4, 8, ['q_proj', 'v_proj']]);
    assert.ok(fs.existsSync(path.join(last, `critic-${i}`, 'adapter_model.safetensors')));
    assert.ok(fs.existsSync(path.join(last, `critic-${i}`, 'optimizer.safetensors')));
  }

  // Resume from step 1: the adapters, critics and AdamW moments of step 2 come out byte for byte the same.
  await assertExactResume(out, CONFIG, [
    'policy-0/adapter_model.safetensors',
    'policy-1/adapter_model.safetensors',
    'critic-0/adapter_model.safetensors',
    'critic-1/value_head.safetensors',
    'optimizer-0.safetensors',
    'critic-1/optimizer.safetensors',
  ]);
  assert.ok(
    !bytes(path.join(step(out, 1), 'policy-0/adapter_model.safetensors')).equals(
      bytes(path.join(last, 'policy-0/adapter_model.safetensors')),
    ),
    'the adapters train',
  );

  // The checkpoint's policy is the preset base with the adapters merged into the adapted layers only.
  const model = await loadCheckpointModel(last, 0);
  const base = await createPresetModel('tiny', CONFIG.seed);
  for (const [n, t] of Object.entries(base.weights)) {
    const same = Buffer.from((t.data as Float32Array).buffer).equals(Buffer.from((model.weights[n].data as Float32Array).buffer));
    assert.equal(same, !/\.(q_proj|v_proj)\.weight$/.test(n), n);
  }
  const e = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'eval', '--checkpoint', out, '--questions', '2', '--max-new-tokens', '4', '--json'],
    { cwd: REPO, encoding: 'utf8' },
  );
  assert.equal(e.status, 0, e.stderr);
  const table = JSON.parse(e.stdout);
  assert.equal(table.turns.length, 2);
});

test("full fine-tuning + separate critic: the critic's trunk, head and AdamW state resume exactly", async () => {
  const config = {
    ...CONFIG,
    agents: { ...CONFIG.agents, count: 2, policySharing: 'shared' as const },
    training: { ...CONFIG.training, lora: undefined, ppo: { ...CONFIG.training.ppo, lr: 1e-3 } },
  };
  const out = path.join(root, 'full');
  assert.equal((await train({ config, baseDir: root, out })).status, 'finished');
  assert.ok(
    fs.existsSync(path.join(step(out, 2), 'policy-0', 'model.safetensors')),
    'full fine-tuning saves the policy as a model',
  );
  await assertExactResume(out, config, [
    'policy-0/model.safetensors',
    'optimizer-0.safetensors',
    'critic-0/value_model.safetensors',
    'critic-0/optimizer.safetensors',
  ]);
});
