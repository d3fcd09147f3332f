// `maporl sweep` for real: tiny runs (about a second each) through the local executor and through
// a real one-node Slurm cluster (scripts/slurm-local.sh; no mock of sbatch). The Slurm tests fail,
// not skip, when the cluster cannot be started: the executor is only tested where Slurm runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { sweepStatus } from '../../src/engine/sweep/status';
import type { JobRecord, SweepStatus } from '../../src/protocol/sweepSchema';
import { assertBadInput, maporl, maporlAsync } from './run';

const REPO = path.resolve(__dirname, '..', '..');
const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-sweep-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
// Base agents prepared by these tests go to a cache of their own (inherited by sbatch's jobs).
process.env.MAPORL_CACHE_DIR = path.join(root, 'cache');

/** A base config of `iterations` tiny iterations, one thread per run, a checkpoint every iteration. */
function base(iterations: number): string {
  const file = path.join(root, `base-${iterations}.maporl.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: 'sweep-test',
      task: { type: 'arith', nTrain: 16, nTest: 4 },
      agents: { count: 2 },
      discussion: { turns: 2 },
      verifier: { type: 'ground-truth' },
      generation: { maxNewTokens: 8 },
      training: { iterations, questionsPerIteration: 2, samplesPerQuestion: 2, ppo: { minibatchSize: 4, epochs: 1 } },
      eval: { questions: 4, every: 0 },
      checkpoint: { every: 1 },
      runtime: { threads: 1 },
    }),
  );
  return path.basename(file);
}

/** The same tiny runs, from base agents the run's base-agent stage fine-tunes (a few SFT steps; `seed` makes a new recipe). */
function stagedBase(seed: number): string {
  const file = path.join(root, `staged-${seed}.maporl.json`);
  const tiny = JSON.parse(fs.readFileSync(path.join(root, base(2)), 'utf8'));
  fs.writeFileSync(
    file,
    JSON.stringify({ ...tiny, agents: { count: 2, models: ['base-agents'] }, baseAgents: { steps: 6, examples: 24, seed } }),
  );
  return path.basename(file);
}
const recipesInCache = () => fs.readdirSync(path.join(root, 'cache', 'base-agents')).filter((n) => !n.includes('.tmp-'));

function sweepFile(name: string, body: Record<string, unknown>): string {
  const file = path.join(root, `${name}.sweep.json`);
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

const jobs = (dir: string): JobRecord[] =>
  fs
    .readFileSync(path.join(dir, 'jobs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const events = (run: string) => fs.readFileSync(path.join(run, 'events.jsonl'), 'utf8');

async function waitFor(dir: string, done: (s: SweepStatus) => boolean, what: string, seconds = 180): Promise<SweepStatus> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const s = fs.existsSync(path.join(dir, 'sweep.json')) ? sweepStatus(dir) : null; // not written yet
    if (s && done(s)) return s;
    if (Date.now() > until)
      assert.fail(
        `timed out after ${seconds}s waiting for ${what}: ${JSON.stringify(s?.runs.map((r) => [r.name, r.state, r.step, r.where]))}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
const live = (s: SweepStatus) => s.runs.filter((r) => r.state === 'running' || r.message === 'queued').length;
/** Slurm's word on every task is final (a run's summary is written while its task is still RUNNING). */
const tasksEnded = (s: SweepStatus) => s.runs.every((r) => !/ (PENDING|CONFIGURING|RUNNING|COMPLETING)$/.test(r.where ?? ''));

// ---- local executor ---------------------------------------------------------------------------

test('local: a 2×2 sweep runs within the thread budget, reports per cell, and a re-run submits nothing', () => {
  const file = sweepFile('local', {
    base: base(2),
    grid: {
      seed: [0, 1],
      'reward.alpha': [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
      ],
    },
    local: { cores: 2 },
  });
  const dir = path.join(root, 'out-local');
  const r = maporl(['sweep', file, '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^4 finished: /);
  const records = jobs(dir);
  let running = 0,
    most = 0;
  for (const j of records) {
    running += j.type === 'local-start' ? 1 : j.type === 'local-exit' ? -1 : 0;
    most = Math.max(most, running);
  }
  assert.equal(most, 2, 'two one-thread runs at a time on a budget of two cores');

  const status = JSON.parse(maporl(['sweep', 'status', dir, '--json']).stdout) as SweepStatus;
  assert.deepEqual(
    status.runs.map((x) => [x.name, x.state, x.step, x.totalSteps]),
    [
      ['alpha-0_0_0_0__seed-0', 'finished', 2, 2],
      ['alpha-1_0_0_0__seed-0', 'finished', 2, 2],
      ['alpha-0_0_0_0__seed-1', 'finished', 2, 2],
      ['alpha-1_0_0_0__seed-1', 'finished', 2, 2],
    ],
  );
  const report = JSON.parse(maporl(['sweep', 'report', dir, '--json']).stdout);
  assert.deepEqual(
    report.cells.map((c: { cell: string; finished: number; majorityAccuracyAfter: unknown[] }) => [
      c.cell,
      c.finished,
      c.majorityAccuracyAfter.length,
    ]),
    [
      ['alpha-0_0_0_0', 2, 2],
      ['alpha-1_0_0_0', 2, 2],
    ],
  );
  assert.match(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), /\| alpha-1_0_0_0 \| 2\/2 \|/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')), report);

  const again = maporl(['sweep', file, '--out', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /4 runs: 0 to train, 0 to resume, 4 left as they are/);
  assert.equal(jobs(dir).filter((j) => j.type === 'local-start').length, 4, 'no run started again');
});

test('local: a bad value is one line naming the sweep file and the JSON path, exit 2, nothing written', () => {
  const file = sweepFile('bad', { base: base(2), grid: { seed: [0], 'eval.questions': [2, 0] } });
  const dir = path.join(root, 'out-bad');
  assertBadInput(
    maporl(['sweep', file, '--out', dir]),
    new RegExp(`${file}: grid\\["eval.questions"\\]\\[1\\]: eval.questions: Too small`),
    'bad grid value',
  );
  assert.ok(!fs.existsSync(dir));
  assertBadInput(maporl(['sweep', 'status', path.join(root, 'nowhere')]), /not a sweep directory/, 'status of a non-sweep');
});

test('local: cancel stops the runs at a checkpoint; the re-run resumes them', async () => {
  const file = sweepFile('local-cancel', { base: base(40), grid: { seed: [0, 1] }, local: { cores: 2 } });
  const dir = path.join(root, 'out-local-cancel');
  const run = maporlAsync(['sweep', file, '--out', dir], () => undefined);
  await waitFor(
    dir,
    (s) => s.runs.every((r) => r.state === 'running' && r.resumable),
    'both runs running with a checkpoint',
    120,
  );
  const c = maporl(['sweep', 'cancel', dir]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^cancelled: pid \d+ \(the local scheduler\)/);
  const first = await run;
  assert.equal(first.code, 0, first.stderr);
  const stopped = sweepStatus(dir);
  assert.deepEqual(
    stopped.runs.map((r) => r.state),
    ['stopped', 'stopped'],
    JSON.stringify(stopped.runs),
  );
  assert.ok(stopped.runs.every((r) => (r.step ?? 40) < 40));

  const again = maporl(['sweep', file, '--out', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /2 runs: 0 to train, 2 to resume/);
  assert.match(again.stdout, /^2 finished/);
  for (const r of sweepStatus(dir).runs) assert.match(events(path.join(dir, 'runs', r.name)), /"resumed from checkpoints\/step-/);
});

test('local: runs that need base agents get them from one base-agent stage before they start', () => {
  const file = sweepFile('local-staged', { base: stagedBase(0), grid: { seed: [0, 1] }, local: { cores: 2 } });
  const dir = path.join(root, 'out-local-staged');
  const dry = maporl(['sweep', file, '--out', dir, '--dry-run']);
  assert.match(dry.stdout, /^base agents first: .* prepare-agents --config \S+base__seed-0\.json$/m, dry.stdout);
  const r = maporl(['sweep', file, '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2 finished: /);
  const stages = jobs(dir).filter((j) => j.type === 'base-stage');
  assert.equal(stages.length, 1, 'one stage for the one recipe');
  assert.match(fs.readFileSync(path.join(dir, 'logs', 'base-base__seed-0.log'), 'utf8'), /^prepared base agents/m);
  assert.equal(recipesInCache().length, 1);
  for (const seed of [0, 1])
    assert.match(
      events(path.join(dir, 'runs', `base__seed-${seed}`)),
      /base agents: reused from the cache/,
      `run ${seed} did not fine-tune again`,
    );
  assert.doesNotMatch(
    maporl(['sweep', file, '--out', dir, '--dry-run']).stdout,
    /base agents first/,
    'cached: no stage on a re-run',
  );
});

// ---- Slurm executor ---------------------------------------------------------------------------

let cluster: Promise<void> | undefined;
/** The test cluster, started by scripts/slurm-local.sh when it is not up (idempotent). */
function slurmCluster(): Promise<void> {
  cluster ??= (async () => {
    const up = () =>
      /^(idle|mixed|allocated|completing)/.test(
        spawnSync('sinfo', ['-h', '-n', 'localhost', '-o', '%T'], { encoding: 'utf8' }).stdout ?? '',
      );
    if (up()) return;
    const r = spawnSync('bash', [path.join(REPO, 'scripts', 'slurm-local.sh')], { encoding: 'utf8' });
    if (r.status !== 0 || !up()) {
      throw new Error(
        `the Slurm test cluster is not available: scripts/slurm-local.sh exited ${r.status}: ${(r.stderr || r.error?.message || '').trim()} ` +
          "(it needs Debian's slurm-wlm and munge, from scripts/install-test-deps.sh, and root)",
      );
    }
  })();
  return cluster;
}

function submit(file: string, dir: string): string {
  const r = maporl(['sweep', file, '--out', dir, '--executor', 'slurm']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^submitted: job (\d+) /.exec(r.stdout);
  assert.ok(m, r.stdout);
  return m[1];
}

test('slurm: a 2×2 sweep is one job array; it finishes and the report aggregates the seeds', async () => {
  await slurmCluster();
  const file = sweepFile('slurm', {
    base: base(2),
    grid: { seed: [0, 1], 'training.ppo.lr': [0.001, 0.0001] },
    slurm: { partition: 'debug', time: '00:10:00' },
  });
  const dir = path.join(root, 'out-slurm');
  const job = submit(file, dir);
  const s = await waitFor(
    dir,
    (x) => (x.counts.finished === 4 && tasksEnded(x)) || x.counts.failed > 0,
    'four finished runs, their tasks ended',
  );
  assert.deepEqual(
    s.runs.map((r) => [r.state, r.where]),
    [0, 1, 2, 3].map((i) => ['finished', `slurm ${job}_${i} COMPLETED`]),
  );
  assert.ok(fs.readdirSync(path.join(dir, 'logs')).includes(`slurm-${job}_0.out`), 'the jobs log into the sweep directory');
  const report = JSON.parse(maporl(['sweep', 'report', dir, '--json']).stdout);
  assert.deepEqual(
    report.cells.map((c: { cell: string; finished: number }) => [c.cell, c.finished]),
    [
      ['lr-0.001', 2],
      ['lr-0.0001', 2],
    ],
  );
  assert.equal(report.cells[0].majorityAccuracyAfter[1].n, 2);
  assert.match(maporl(['sweep', file, '--out', dir, '--executor', 'slurm']).stdout, /^nothing to submit/);
});

test('slurm: cancel a sweep midway, then the re-run resumes the stopped runs and starts the rest', async () => {
  await slurmCluster();
  const file = sweepFile('slurm-cancel', { base: base(40), grid: { seed: [0, 1, 2, 3] }, executor: 'slurm' });
  const dir = path.join(root, 'out-slurm-cancel');
  submit(file, dir);
  await waitFor(dir, (s) => s.runs.some((r) => r.state === 'running' && r.resumable), 'a running run with a checkpoint');
  const c = maporl(['sweep', 'cancel', dir]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^cancelled: slurm \d+_\d/);
  const stopped = await waitFor(dir, (s) => live(s) === 0, 'no live task after scancel', 90);
  assert.ok(
    stopped.runs.some((r) => r.state === 'stopped' && r.resumable),
    JSON.stringify(stopped.runs),
  );
  assert.ok(
    stopped.runs.every((r) => r.state === 'stopped' || r.state === 'finished'),
    JSON.stringify(stopped.runs),
  );

  const toResume = stopped.runs.filter((r) => r.state === 'stopped' && r.resumable).map((r) => r.name);
  const job = submit(file, dir);
  const subs = jobs(dir).filter((j) => j.type === 'slurm-submit');
  assert.equal(subs.length, 2);
  assert.deepEqual(
    subs[1].type === 'slurm-submit' && subs[1].indices,
    stopped.runs.filter((r) => r.state !== 'finished').map((r) => r.index),
  );
  await waitFor(dir, (s) => s.counts.finished === 4 || s.counts.failed > 0, 'four finished runs');
  assert.equal(sweepStatus(dir).counts.finished, 4);
  for (const name of toResume)
    assert.match(events(path.join(dir, 'runs', name)), /"resumed from checkpoints\/step-/, `${name} resumed (job ${job})`);
});

test('slurm: a task scancelled alone is resubmitted alone by the re-run, and resumes', async () => {
  await slurmCluster();
  const file = sweepFile('slurm-one', { base: base(40), grid: { seed: [0, 1, 2] }, executor: 'slurm' });
  const dir = path.join(root, 'out-slurm-one');
  const job = submit(file, dir);
  await waitFor(dir, (s) => s.runs[0].state === 'running' && s.runs[0].resumable, 'run 0 running with a checkpoint');
  const r = spawnSync('scancel', [`${job}_0`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await waitFor(dir, (s) => s.runs[0].state === 'stopped', 'run 0 stopped', 90);
  const dry = maporl(['sweep', file, '--out', dir, '--dry-run']);
  assert.match(dry.stdout, /^\s+0\s+resume\s+stopped\s+base__seed-0$/m);
  assert.doesNotMatch(dry.stdout, /^\s+[12]\s+(train|resume)/m, 'the other tasks are left to their job');
  assert.match(dry.stdout, /--array=0 /);
  const again = submit(file, dir);
  assert.notEqual(again, job);
  await waitFor(
    dir,
    (s) => (s.counts.finished === 3 && tasksEnded(s)) || s.counts.failed > 0,
    'three finished runs, their tasks ended',
  );
  const s = sweepStatus(dir);
  assert.deepEqual(
    s.runs.map((x) => [x.state, x.where]),
    [
      ['finished', `slurm ${again}_0 COMPLETED`],
      ['finished', `slurm ${job}_1 COMPLETED`],
      ['finished', `slurm ${job}_2 COMPLETED`],
    ],
  );
  assert.match(events(path.join(dir, 'runs', 'base__seed-0')), /"resumed from checkpoints\/step-/);
});

test('slurm: a requeued task (node failure, preemption) resumes its run from the last checkpoint, no record twice', async () => {
  await slurmCluster();
  const file = sweepFile('slurm-requeue', { base: base(200), grid: { seed: [0] }, executor: 'slurm' });
  const dir = path.join(root, 'out-slurm-requeue');
  const job = submit(file, dir);
  await waitFor(dir, (s) => s.runs[0].state === 'running' && s.runs[0].resumable, 'the run running with a checkpoint');
  const rq = spawnSync('scontrol', ['requeue', `${job}_0`], { encoding: 'utf8' });
  assert.equal(rq.status, 0, rq.stderr);
  // Slurm holds a requeued job back (Reason=BeginTime, about two minutes); a cluster would start it
  // then by itself. Release it now: what is under test is what the task does when it starts again.
  await waitFor(dir, (s) => /PENDING$/.test(s.runs[0].where ?? ''), 'the task pending after the requeue', 60);
  const go = spawnSync('scontrol', ['update', `JobId=${job}_0`, 'StartTime=now'], { encoding: 'utf8' });
  assert.equal(go.status, 0, go.stderr);
  const s = await waitFor(
    dir,
    (x) => (x.counts.finished === 1 && tasksEnded(x)) || x.counts.failed > 0,
    'the requeued run finished',
    300,
  );
  assert.deepEqual(
    s.runs.map((r) => [r.state, r.where]),
    [['finished', `slurm ${job}_0 COMPLETED`]],
  );
  assert.equal(jobs(dir).filter((j) => j.type === 'slurm-submit').length, 1, 'the same job ran it again: nothing resubmitted');
  const log = events(path.join(dir, 'runs', 'base__seed-0'));
  assert.match(log, /"resumed from checkpoints\/step-/);
  const steps = log
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; split?: string; step: number })
    .filter((e) => e.type === 'metrics' && e.split === 'train')
    .map((e) => e.step);
  assert.deepEqual(
    steps,
    Array.from({ length: 200 }, (_, i) => i + 1),
    'every iteration once, in order',
  );
});

test("slurm: the runs' array waits for the base-agent job (afterok), and every run reuses its agents", async () => {
  await slurmCluster();
  const file = sweepFile('slurm-staged', { base: stagedBase(1), grid: { seed: [0, 1] }, executor: 'slurm' });
  const dir = path.join(root, 'out-slurm-staged');
  const r = maporl(['sweep', file, '--out', dir, '--executor', 'slurm']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^submitted: job (\d+) after base-agent job (\d+) /.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [, job, baseJob] = m;
  const stage = jobs(dir).find((j) => j.type === 'base-stage');
  assert.equal(stage?.type === 'base-stage' && stage.jobId, baseJob);
  const shown = spawnSync('scontrol', ['show', 'job', job], { encoding: 'utf8' }).stdout;
  // Slurm clears the dependency once the base-agent job has ended well: only a pending array shows it.
  if (/JobState=PENDING/.test(shown)) assert.match(shown, new RegExp(`Dependency=afterok:${baseJob}`));
  await waitFor(
    dir,
    (s) => (s.counts.finished === 2 && tasksEnded(s)) || s.counts.failed > 0,
    'two finished runs after the base-agent job',
    300,
  );
  assert.equal(sweepStatus(dir).counts.finished, 2);
  const baseLog = path.join(dir, 'logs', `slurm-base-base__seed-0-${baseJob}.out`);
  assert.match(fs.readFileSync(baseLog, 'utf8'), /^prepared base agents/m);
  const prepared = fs.statSync(baseLog).mtimeMs;
  for (const seed of [0, 1]) {
    const log = events(path.join(dir, 'runs', `base__seed-${seed}`));
    assert.match(log, /base agents: reused from the cache/);
    const started = Date.parse((JSON.parse(log.split('\n')[0]) as { time: string }).time);
    assert.ok(started >= prepared - 1000, `run ${seed} started ${prepared - started} ms before its base agents were ready`);
  }
});
