// End-to-end runs of `maporl train` on a tiny team (random `tiny` agents, ground-truth verifier):
// the run directory follows the protocol, and a run killed with SIGKILL and resumed ends exactly
// like an uninterrupted one. Every wait on the child fails (instead of hanging or passing) when the
// child exits early or never gets there.
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateRunEvent, validateRunSummary, validateTranscriptRecord } from '../../../../src/protocol/runRecords';
import { comparable, lines, writeTinyConfig } from '../../../helpers/tinyRun';
import { untilWhileRunning } from '../../../helpers/waitFor';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');

function setup(more: Parameters<typeof writeTinyConfig>[1] = {}): { dir: string; config: string } {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-run-'));
  return { dir, config: writeTinyConfig(dir, more) };
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

const exitOf = (child: ReturnType<typeof spawn>) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', resolve);
  });

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
  assert.equal(
    new Set(train.map((t) => `${t.step}/${t.id}/${t.sample ?? 0}`)).size,
    train.length,
    'step, id and sample name one discussion',
  );
  for (const t of transcripts) assert.equal(validateTranscriptRecord(t), null);
  for (const t of transcripts.filter((x) => x.split === 'train'))
    assert.ok(t.turns.flat().every((x: { reward: unknown }) => typeof x.reward === 'number'));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(validateRunSummary(summary), null);
  assert.equal(summary.status, 'finished');
  assert.equal(summary.steps, 4);
  assert.deepEqual(fs.readdirSync(path.join(out, 'checkpoints')).sort(), [
    'step-000000',
    'step-000001',
    'step-000002',
    'step-000003',
    'step-000004',
  ]);
  assert.ok(!fs.existsSync(path.join(out, '.lock')), 'the run lock is released at the end');
  const metrics = lines(path.join(out, 'events.jsonl')).filter((e) => e.type === 'metrics' && e.split === 'train');
  assert.equal(metrics.length, 4);
  for (const m of metrics)
    for (const k of ['reward', 'kl', 'entropy', 'policyLoss', 'valueLoss', 'clipFraction'])
      assert.ok(Number.isFinite(m[k]), `${k} = ${m[k]}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run killed with SIGKILL and resumed ends exactly like an uninterrupted run', async () => {
  const { dir, config } = setup();
  const whole = path.join(dir, 'whole'),
    killed = path.join(dir, 'killed');
  assert.equal(cli(['train', config, '--out', whole]).status, 0);

  const child = spawn(process.execPath, [CLI, 'train', config, '--out', killed], { stdio: 'ignore' });
  await untilWhileRunning(
    child,
    () => fs.existsSync(path.join(killed, 'checkpoints', 'step-000002')),
    'the checkpoint of step 2',
  );
  child.kill('SIGKILL');
  await exitOf(child);
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
  // 12 iterations: SIGTERM at the first checkpoint lands long before the end, so the stop must show.
  const { dir, config } = setup({ iterations: 12 });
  const out = path.join(dir, 'run');
  const child = spawn(process.execPath, [CLI, 'train', config, '--out', out], { stdio: 'ignore' });
  await untilWhileRunning(child, () => fs.existsSync(path.join(out, 'checkpoints', 'step-000001')), 'the checkpoint of step 1');
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'stopped');
  assert.ok(summary.steps < 12, `stopped at ${summary.steps}`);
  assert.ok(
    fs.existsSync(path.join(out, 'checkpoints', `step-${String(summary.steps).padStart(6, '0')}`)),
    'a checkpoint where it stopped',
  );
  assert.ok(lines(path.join(out, 'events.jsonl')).some((e) => e.type === 'status' && e.status === 'stopped'));
  assert.ok(!fs.existsSync(path.join(out, '.lock')), 'the run lock is released on a stop');
  const resumed = cli(['train', '--resume', out]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'finished');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run keeps going when the parent that forked it disconnects (a reloaded VS Code window)', async () => {
  const { dir, config } = setup();
  const out = path.join(dir, 'run');
  const child = fork(CLI, ['train', config, '--out', out], { stdio: 'ignore' });
  let messages = 0;
  child.on('message', () => messages++);
  await untilWhileRunning(child, () => messages >= 3, 'three IPC messages');
  child.disconnect();
  assert.equal(await exitOf(child), 0);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'finished');
  fs.rmSync(dir, { recursive: true, force: true });
});
