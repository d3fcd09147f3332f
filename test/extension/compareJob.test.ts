// The comparison job: the engine's arguments for the sides and the question source the page picked,
// the per-side progress from its typed stage events over IPC, the result from its --json stdout, and
// cancel (the job manager's stop) ending it without a result. The engine is a fake sending the
// engine's messages (the real engine's: test/extension/jobChannel.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompareRun, compareArgs, compareStage, parseResult, questionSources } from '../../src/extension/compare/compareJob';
import { JobManager } from '../../src/extension/jobs/jobManager';
import type { CompareJobView } from '../../src/protocol/compareView';
import { fakeComparison } from './fixtures/fakeComparison';
import { BUILTIN_TASKS } from '../../src/protocol/choices';

const FAKE = join(__dirname, 'fixtures', 'fake-compare.cjs');
const sides = [1, 2].map((step) => ({
  path: `/w/runs/r/checkpoints/step-00000${step}`,
  runDir: '/w/runs/r',
  run: 'r',
  step,
  label: `r · step ${step}`,
}));
const result = fakeComparison(sides);

test("questionSources: each run's task as it trained (generated, or its existing test file), then the generated tasks", () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-sources-'));
  const test = join(dir, 'test.jsonl');
  writeFileSync(test, '{}\n');
  const sources = questionSources([
    { run: 'a', config: { task: { type: 'gsm8k', testFile: test } } },
    { run: 'b', config: { task: { type: 'arith' } } },
    { run: 'c', config: { task: { type: 'gsm8k', testFile: join(dir, 'missing.jsonl') } } },
    { run: 'd', config: null },
  ]);
  assert.deepEqual(
    sources.map((s) => [s.id, s.args]),
    [
      ['data:0', ['--data', test, '--task', 'gsm8k']],
      // the run's task (arith), then every other built-in task
      ...BUILTIN_TASKS.map((t) => [`task:${t}`, ['--task', t]]),
    ],
  );
  assert.match(sources[0].label, /test\.jsonl: the test set of a/);
  assert.deepEqual(compareArgs(sides, sources[1], 20, 7), [
    'compare',
    sides[0].path,
    sides[1].path,
    '--task',
    'arith',
    '--questions',
    '20',
    '--seed',
    '7',
    '--json',
  ]);
});

test("compareStage and parseResult read the engine's messages", () => {
  const time = new Date().toISOString();
  const message = 'evaluating side 1 (2 of 3): tiny/step-000010 (2 agents, 2 turns, temperature 1)';
  const running = { type: 'stage', step: 0, time, stage: 'compare', state: 'running', done: 1, total: 3, message };
  assert.deepEqual(compareStage(running), running);
  assert.equal(compareStage({ ...running, done: -1 }), null, 'validated on arrival');
  assert.equal(compareStage({ ...running, message: undefined }), null);
  assert.equal(
    compareStage({ type: 'stage', step: 0, time, stage: 'base-agents', state: 'running', done: 1, total: 3, loss: 1 }),
    null,
  );
  assert.equal(compareStage('evaluating side 1 (2 of 3): tiny'), null);
  assert.deepEqual(parseResult(JSON.stringify(result)), result);
  assert.equal(parseResult('{"version":1}'), null);
  assert.equal(parseResult('tiny/step-1 ...'), null);
});

test('a comparison job: progress per side, then the result', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000 });
  const run = new CompareRun(jobs, {
    label: 'compare',
    args: compareArgs(sides, { id: 'task:arith', label: '', args: ['--task', 'arith'] }, 5, 0),
    cwd: tmpdir(),
    env: { FAKE_COMPARE_RESULT: JSON.stringify(result) },
    sides: 2,
  });
  const seen: CompareJobView[] = [];
  run.onProgress.event((v) => seen.push(v));
  const outcome = await run.finished;
  assert.equal(outcome.ok, true, outcome.message);
  assert.equal(outcome.result?.key, result.key);
  assert.deepEqual(
    seen.map((v) => [v.side, v.sides]),
    [
      [0, 2],
      [1, 2],
    ],
  );
  assert.match(seen[1].message, /^evaluating side 1 \(2 of 2\)/);
});

test('cancel stops the job: no result, reported as cancelled', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000 });
  const run = new CompareRun(jobs, {
    label: 'compare',
    args: ['compare', 'a', 'b', '--json'],
    cwd: tmpdir(),
    env: { FAKE_COMPARE_MODE: 'slow', FAKE_COMPARE_RESULT: '{}' },
    sides: 2,
  });
  await new Promise<void>((resolve) => {
    const s = run.onProgress.event(() => {
      s.dispose();
      resolve();
    });
  });
  run.cancel();
  assert.equal(run.view.phase, 'cancelling');
  const outcome = await run.finished;
  assert.deepEqual([outcome.ok, outcome.cancelled, outcome.result], [false, true, null]);
});

test('an engine that refuses its arguments: the outcome carries its line', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000 });
  const run = new CompareRun(jobs, {
    label: 'compare',
    args: ['compare', 'x', 'y', '--json'],
    cwd: tmpdir(),
    env: { FAKE_COMPARE_MODE: 'fail' },
    sides: 2,
  });
  const outcome = await run.finished;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.cancelled, false);
  assert.match(outcome.message, /refused its config or data: runs\/x: no such checkpoint/);
});
