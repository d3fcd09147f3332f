// End-to-end runs of `maporl train` on a tiny team (random `tiny` agents, ground-truth verifier):
// the run directory follows the protocol, and a run killed with SIGKILL and resumed ends exactly
// like an uninterrupted one.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateRunEvent, validateRunSummary, validateTranscriptRecord } from '../../../src/protocol/runRecords';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const CONFIG = {
  name: 'tiny-run', seed: 3,
  task: { type: 'arith', nTrain: 64, nTest: 8 },
  agents: { count: 2 },
  discussion: { turns: 2 },
  verifier: { type: 'ground-truth' },
  generation: { maxNewTokens: 12, temperature: 1 },
  training: { iterations: 4, questionsPerIteration: 4, samplesPerQuestion: 2, ppo: { minibatchSize: 4, epochs: 1, lr: 1e-3 } },
  eval: { questions: 4, every: 2 },
  checkpoint: { every: 1 },
};

function setup(): { dir: string; config: string } {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-run-'));
  const config = path.join(dir, 'tiny.maporl.json');
  fs.writeFileSync(config, JSON.stringify(CONFIG));
  return { dir, config };
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
/** Events without wall-clock fields, which legitimately differ between runs. */
function comparable(events: Record<string, unknown>[]) {
  return events
    .filter((e) => e.type === 'metrics' || e.type === 'checkpoint')
    .map(({ time: _t, seconds: _s, tokensPerSecond: _p, ...rest }) => rest);
}

test('a training run writes a run directory that follows the protocol', () => {
  assert.ok(fs.existsSync(CLI), 'build first (npm run build)');
  const { dir, config } = setup();
  const out = path.join(dir, 'run');
  const r = cli(['train', config, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  for (const e of lines(path.join(out, 'events.jsonl'))) assert.equal(validateRunEvent(e), null, JSON.stringify(e));
  const transcripts = lines(path.join(out, 'transcripts.jsonl'));
  const train = transcripts.filter((t) => t.split === 'train');
  assert.equal(train.length, 4 * 4 * 2, 'iterations x questions x samples per question');
  assert.equal(new Set(train.map((t) => `${t.step}/${t.id}/${t.sample ?? 0}`)).size, train.length, 'step, id and sample name one discussion');
  for (const t of transcripts) assert.equal(validateTranscriptRecord(t), null);
  for (const t of transcripts.filter((x) => x.split === 'train')) assert.ok(t.turns.flat().every((x: { reward: unknown }) => typeof x.reward === 'number'));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(validateRunSummary(summary), null);
  assert.equal(summary.status, 'finished');
  assert.equal(summary.steps, 4);
  assert.deepEqual(fs.readdirSync(path.join(out, 'checkpoints')).sort(), ['step-000000', 'step-000001', 'step-000002', 'step-000003', 'step-000004']);
  const metrics = lines(path.join(out, 'events.jsonl')).filter((e) => e.type === 'metrics' && e.split === 'train');
  assert.equal(metrics.length, 4);
  for (const m of metrics) for (const k of ['reward', 'kl', 'entropy', 'policyLoss', 'valueLoss', 'clipFraction']) assert.ok(Number.isFinite(m[k]), `${k} = ${m[k]}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run killed with SIGKILL and resumed ends exactly like an uninterrupted run', async () => {
  const { dir, config } = setup();
  const whole = path.join(dir, 'whole'), killed = path.join(dir, 'killed');
  assert.equal(cli(['train', config, '--out', whole]).status, 0);

  const child = spawn(process.execPath, [CLI, 'train', config, '--out', killed], { stdio: 'ignore' });
  const target = path.join(killed, 'checkpoints', 'step-000002');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(target)) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run finished before it could be killed')); });
  });
  await new Promise((r) => child.on('exit', r));
  assert.ok(!fs.existsSync(path.join(killed, 'summary.json')), 'killed before the end');
  const resumed = cli(['train', '--resume', killed]);
  assert.equal(resumed.status, 0, resumed.stderr);

  assert.deepEqual(comparable(lines(path.join(killed, 'events.jsonl'))), comparable(lines(path.join(whole, 'events.jsonl'))));
  assert.deepEqual(lines(path.join(killed, 'transcripts.jsonl')), lines(path.join(whole, 'transcripts.jsonl')));
  const weights = (run: string) => fs.readFileSync(path.join(run, 'checkpoints', 'step-000004', 'policy-0', 'model.safetensors'));
  assert.ok(weights(killed).equals(weights(whole)), 'final weights differ');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM checkpoints, reports "stopped", and the run resumes to the end', async () => {
  const { dir, config } = setup();
  const out = path.join(dir, 'run');
  const child = spawn(process.execPath, [CLI, 'train', config, '--out', out], { stdio: 'ignore' });
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (fs.existsSync(path.join(out, 'checkpoints', 'step-000001'))) {
        clearInterval(timer);
        child.kill('SIGTERM');
        resolve();
      }
    }, 20);
  });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  if (summary.status === 'stopped') {
    assert.ok(lines(path.join(out, 'events.jsonl')).some((e) => e.type === 'status' && e.status === 'stopped'));
    assert.equal(cli(['train', '--resume', out]).status, 0);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'finished');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run keeps going when the parent that forked it disconnects (a reloaded VS Code window)', async () => {
  const { dir, config } = setup();
  const out = path.join(dir, 'run');
  const { fork } = await import('node:child_process');
  const child = fork(CLI, ['train', config, '--out', out], { stdio: 'ignore' });
  let messages = 0;
  await new Promise<void>((resolve) => child.on('message', () => {
    if (++messages === 3) {
      child.disconnect();
      resolve();
    }
  }));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'finished');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('VS Code settings reach the engine through the environment where the config keeps its defaults', async () => {
  const { runtimeOptions } = await import('../../../src/engine/maporl/trainer');
  const { parseConfig } = await import('../../../src/engine/maporl/config');
  const env = { MAPORL_EXECUTION_PROVIDER: 'webgpu', MAPORL_THREADS: '3' };
  assert.deepEqual(runtimeOptions(parseConfig({}), env), { executionProvider: 'webgpu', threads: 3, frozenWeights: 'auto' });
  assert.deepEqual(runtimeOptions(parseConfig({ runtime: { executionProvider: 'cpu', threads: 1, frozenWeights: 'fed' } }), env), { executionProvider: 'cpu', threads: 1, frozenWeights: 'fed' });
  assert.deepEqual(runtimeOptions(parseConfig({}), {}), { executionProvider: 'auto', threads: 0, frozenWeights: 'auto' });
});
