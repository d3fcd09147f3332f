// The job manager with real child processes (a fake engine that speaks the engine's IPC protocol):
// events over IPC, the log and the job file beside the run directory, SIGTERM stop, SIGKILL escalation,
// crash and bad-config outcomes, several jobs at once, environment passed through.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { jobFilesOf, readJobFile } from '../../src/extension/runData/jobFile';
import { JobManager, type Job, type JobSpec } from '../../src/extension/jobs/jobManager';
import { MAPORL_ENV } from '../../src/protocol/environment';

const FAKE = join(__dirname, 'fixtures', 'fake-engine.cjs');
const tmp = () => mkdtempSync(join(tmpdir(), 'maporl-jobs-'));

function spec(runDir: string, env: Record<string, string> = {}): JobSpec {
  return { kind: 'train', label: 'fake', args: ['train', 'x.maporl.json', '--out', runDir], cwd: tmpdir(), runDir, env };
}
const exited = (jobs: JobManager, job: Job) =>
  new Promise<Job>((resolve) => {
    const sub = jobs.onDidExit.event((j) => {
      if (j.id === job.id) {
        sub.dispose();
        resolve(j);
      }
    });
  });
const until = (jobs: JobManager, job: Job, pred: (j: Job) => boolean) =>
  new Promise<void>((resolve) => {
    if (pred(job)) return resolve();
    const sub = jobs.onEvent.event(({ job: j }) => {
      if (j.id === job.id && pred(j)) {
        sub.dispose();
        resolve();
      }
    });
  });

test('a job that finishes: IPC events in order, log and job file beside the run directory', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000, logPollMs: 20 });
  const dir = join(tmp(), 'run');
  const steps: number[] = [];
  jobs.onEvent.event(({ payload }) => {
    const e = payload as { type: string; step: number };
    if (e.type === 'metrics') steps.push(e.step);
  });
  const lines: string[] = [];
  jobs.onLog.event(({ line }) => lines.push(line));
  const job = jobs.start(spec(dir, { FAKE_ENGINE_STEPS: '5', FAKE_ENGINE_STEP_MS: '5', [MAPORL_ENV.threads]: '3' }));
  const done = await exited(jobs, job);
  assert.equal(done.state.outcome, 'finished');
  assert.deepEqual(steps, [1, 2, 3, 4, 5]);
  assert.equal(readJobFile(dir)?.pid, job.pid);
  assert.match(readFileSync(jobFilesOf(dir).log, 'utf8'), /fake engine: train/);
  assert.ok(
    lines.some((l) => l === 'env: - 3'),
    `the environment reaches the engine: ${lines.join(' | ')}`,
  );
  assert.equal(jobs.jobs().length, 0);
});

test('stop sends SIGTERM: the engine checkpoints and the outcome is stopped', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000 });
  const dir = join(tmp(), 'run');
  const job = jobs.start(spec(dir));
  await until(jobs, job, (j) => j.state.phase === 'running');
  await jobs.stop(job.id);
  assert.equal(job.state.outcome, 'stopped');
  assert.match(readFileSync(join(dir, 'events.jsonl'), 'utf8'), /"status":"stopped"/);
  assert.ok(existsSync(join(dir, 'checkpoints')));
});

test('a job that ignores SIGTERM is killed after the timeout', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 300 });
  const job = jobs.start(spec(join(tmp(), 'run'), { FAKE_ENGINE_MODE: 'ignore-term' }));
  await until(jobs, job, (j) => j.state.phase === 'running');
  const t = Date.now();
  await jobs.stop(job.id);
  assert.equal(job.state.outcome, 'killed');
  assert.equal(job.state.signal, 'SIGKILL');
  assert.ok(Date.now() - t >= 250, 'waited for the timeout first');
});

test('a crash keeps the last log lines; bad config is exit 2', async () => {
  const jobs = new JobManager({ cliPath: FAKE, killTimeoutMs: 5000, logPollMs: 20 });
  const crash = jobs.start(spec(join(tmp(), 'run'), { FAKE_ENGINE_MODE: 'crash' }));
  const bad = jobs.start(spec(join(tmp(), 'run'), { FAKE_ENGINE_MODE: 'bad-config' }));
  assert.equal(jobs.jobs().length, 2, 'several jobs at once');
  const [c, b] = await Promise.all([exited(jobs, crash), exited(jobs, bad)]);
  assert.equal(c.state.outcome, 'crashed');
  assert.equal(c.state.exitCode, 134);
  assert.ok(c.logTail.includes('fatal: onnxruntime aborted'), c.logTail.join(' | '));
  assert.equal(b.state.outcome, 'badInput');
  assert.match(b.logTail.join('\n'), /training\.iterations: expected an integer/);
});

test('an engine that cannot start ends as a crash, not an exception', async () => {
  const jobs = new JobManager({ cliPath: join(tmp(), 'missing-cli.js'), killTimeoutMs: 1000 });
  const job = jobs.start({ kind: 'eval', label: 'x', args: [], cwd: tmpdir() });
  const done = await exited(jobs, job);
  assert.notEqual(done.state.outcome, 'finished');
});
