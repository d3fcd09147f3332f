// Every training mode and policy-sharing scheme runs end to end and is evaluated the same way.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');

function runConfig(overrides: Record<string, unknown>): { out: string; code: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-modes-'));
  const config = {
    seed: 5,
    task: { type: 'nli', nTrain: 32, nTest: 4 },
    agents: { count: 2 },
    discussion: { turns: 2 },
    verifier: { type: 'ground-truth' },
    generation: { maxNewTokens: 8 },
    training: { iterations: 1, questionsPerIteration: 2, ppo: { minibatchSize: 8, epochs: 1 } },
    eval: { questions: 2, every: 0 },
    checkpoint: { every: 0 },
    ...overrides,
  };
  const file = path.join(dir, 'x.maporl.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const out = path.join(dir, 'run');
  const r = spawnSync(process.execPath, [CLI, 'train', file, '--out', out], { encoding: 'utf8' });
  return { out, code: r.status, stderr: r.stderr };
}

const jsonl = (f: string) =>
  fs
    .readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const lastCheckpoint = (out: string) => {
  const dir = path.join(out, 'checkpoints');
  return path.join(dir, fs.readdirSync(dir).sort().pop()!);
};

test('mode "none" evaluates the base agents and trains nothing', () => {
  const r = runConfig({ training: { mode: 'none' } });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(r.out, 'summary.json'), 'utf8'));
  assert.equal(summary.steps, 0);
  assert.equal(jsonl(path.join(r.out, 'events.jsonl')).filter((e) => e.type === 'metrics' && e.split === 'train').length, 0);
  assert.deepEqual(summary.after, summary.before);
});

test('mode "single-agent" trains on first-turn answers only, and evaluates the full discussion', () => {
  const r = runConfig({
    training: { mode: 'single-agent', iterations: 1, questionsPerIteration: 2, ppo: { minibatchSize: 8, epochs: 1 } },
  });
  assert.equal(r.code, 0, r.stderr);
  const transcripts = jsonl(path.join(r.out, 'transcripts.jsonl'));
  assert.ok(transcripts.filter((t) => t.split === 'train').every((t) => t.turns.length === 1));
  assert.ok(transcripts.filter((t) => t.split === 'eval').every((t) => t.turns.length === 2));
});

test('policy sharing: per-agent and per-turn keep one policy each; shared keeps one', () => {
  for (const [sharing, expected] of [
    ['shared', 1],
    ['per-agent', 2],
    ['per-turn', 2],
  ] as const) {
    const r = runConfig({ agents: { count: 2, policySharing: sharing } });
    assert.equal(r.code, 0, `${sharing}: ${r.stderr}`);
    const state = JSON.parse(fs.readFileSync(path.join(lastCheckpoint(r.out), 'trainer_state.json'), 'utf8'));
    assert.equal(state.policies, expected, sharing);
    for (let i = 0; i < expected; i++)
      assert.ok(fs.existsSync(path.join(lastCheckpoint(r.out), `policy-${i}`, 'model.safetensors')));
  }
});

test('a config asking for more agents than models is refused with exit 2 and the JSON path', () => {
  const r = runConfig({ agents: { count: 3, models: ['tiny', 'tiny'], policySharing: 'per-agent' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /agents\.count: config asks for more agents than models/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a model directory that does not exist is refused with exit 2 naming it', () => {
  const r = runConfig({ agents: { count: 2, models: ['./no-such-model'] } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no-such-model: model directory does not exist/);
});

test('maporl eval reports a turn-by-turn table for a checkpoint', () => {
  const r = runConfig({});
  assert.equal(r.code, 0, r.stderr);
  const e = spawnSync(
    process.execPath,
    [CLI, 'eval', '--checkpoint', r.out, '--task', 'nli', '--questions', '3', '--turns', '2', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(e.status, 0, e.stderr);
  const table = JSON.parse(e.stdout);
  assert.equal(table.questions, 3);
  assert.equal(table.turns.length, 2);
  assert.equal(table.turns[0].agentAccuracy.length, 1 + 1);
  // Without --task the run's own config says what to evaluate on (its task, prompts, lengths).
  const own = spawnSync(process.execPath, [CLI, 'eval', '--checkpoint', r.out, '--questions', '3', '--json'], {
    encoding: 'utf8',
  });
  assert.equal(own.status, 0, own.stderr);
  assert.equal(JSON.parse(own.stdout).turns.length, 2, 'the run had 2 turns');
});
