// The Sweeps view and the sweep report panel, from a sweep directory written here as the engine
// writes it (docs/sweeps.md): sweep.json, jobs.jsonl, runs/<name>/{events.jsonl, summary.json}.
// Checks the tree (cells in plan order, runs with state and progress), finding sweeps in the runs
// folders, the mean ± std band over seeds, the report page and its message validation.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addTaskStates, type SlurmTaskState } from '../../src/engine/sweep/slurm';
import { sweepStatus } from '../../src/engine/sweep/status';
import { meanBand, rewardCurve } from '../../src/extension/sweeps/curves';
import { findSweepDirs, isSweepDir, loadSweepStatus, readSweepReportData } from '../../src/extension/sweeps/sweepDirs';
import { countsText, percentDone, runDescription, sweepTree } from '../../src/extension/sweeps/sweepModel';
import { sweepReportHtml } from '../../src/extension/sweeps/sweepReportHtml';
import { isSweepReportMessage, validateSweepReportMessage } from '../../src/protocol/sweepReportView';
import type { SweepPlan } from '../../src/protocol/sweepSchema';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill();
});

const T = '2026-01-01T00:00:00.000Z';
const table = (acc: number[]) => ({
  step: 10,
  questions: 20,
  turns: acc.map((a) => ({
    majorityAccuracy: a,
    meanAgentAccuracy: a,
    agentAccuracy: [a, a],
    wrongToRight: [0, 0],
    rightToWrong: [0, 0],
  })),
});
const summary = (status: string, after: number[] | null, message?: string) => ({
  name: 'x',
  status,
  mode: 'maporl',
  steps: 10,
  startedAt: T,
  finishedAt: T,
  seconds: 1,
  before: table([0.2, 0.3]),
  after: after && table(after),
  metrics: { auc: 0.5 },
  ...(message ? { message } : {}),
});
const events = (rewards: number[], total = 10) =>
  [
    { type: 'status', status: 'running', step: 0, time: T, totalSteps: total },
    ...rewards.map((reward, i) => ({ type: 'metrics', step: i + 1, time: T, reward })),
    { type: 'metrics', split: 'eval', step: rewards.length, time: T, reward: 99 }, // not a training point
  ]
    .map((e) => JSON.stringify(e))
    .join('\n') + '\n{"type":"metr'; // a line cut by a kill

/**
 * runs folder/exp: cell alpha-0 (seed 0 failed, seed 1 never started), cell alpha-1 (seed 0 finished,
 * seed 1 running: a live process whose command line names the run, as status.ts checks).
 */
function fabricate(): { runs: string; dir: string } {
  const runs = mkdtempSync(join(tmpdir(), 'maporl-sweeps-'));
  const dir = join(runs, 'sweeps', 'exp');
  const run = (index: number, cell: string, seed: number) => ({
    index,
    name: `${cell}__seed-${seed}`,
    cell,
    seed,
    overrides: { seed, 'reward.alpha': cell === 'alpha-1' ? 1 : 0 },
  });
  const plan: SweepPlan = {
    name: 'exp',
    sweepFile: join(runs, 'exp.sweep.json'),
    baseConfig: join(runs, 'a.maporl.json'),
    runs: [run(0, 'alpha-0', 0), run(1, 'alpha-0', 1), run(2, 'alpha-1', 0), run(3, 'alpha-1', 1)],
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify(plan));
  const write = (name: string, file: string, text: string) => {
    mkdirSync(join(dir, 'runs', name), { recursive: true });
    writeFileSync(join(dir, 'runs', name, file), text);
  };
  write('alpha-0__seed-0', 'events.jsonl', events([0.1, 0.2]));
  write('alpha-0__seed-0', 'summary.json', JSON.stringify(summary('failed', null, 'out of memory')));
  write('alpha-1__seed-0', 'events.jsonl', events([0.2, 0.4, 0.6]));
  write('alpha-1__seed-0', 'summary.json', JSON.stringify(summary('finished', [0.5, 0.7])));
  write('alpha-1__seed-1', 'events.jsonl', events([0.4, 0.6]));
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'alpha-1__seed-1'], { stdio: 'ignore' });
  children.push(live);
  const jobs = [
    { type: 'local-scheduler', pid: 1, time: T },
    { type: 'local-start', name: 'alpha-0__seed-0', pid: 2 ** 22 + 1, resume: false, time: T },
    { type: 'local-exit', name: 'alpha-0__seed-0', pid: 2 ** 22 + 1, code: 1, signal: null, time: T },
    { type: 'local-start', name: 'alpha-1__seed-0', pid: 2 ** 22 + 2, resume: false, time: T },
    { type: 'local-start', name: 'alpha-1__seed-1', pid: live.pid, resume: false, time: T },
  ];
  writeFileSync(join(dir, 'jobs.jsonl'), jobs.map((j) => JSON.stringify(j)).join('\n') + '\n');
  // Not sweeps: a user's sweep file (no runs) and a run directory beside the sweep.
  writeFileSync(join(runs, 'exp.sweep.json'), '{"base": "a.maporl.json"}');
  mkdirSync(join(runs, 'solo'));
  writeFileSync(join(runs, 'solo', 'events.jsonl'), '');
  mkdirSync(join(runs, 'notes'));
  writeFileSync(join(runs, 'notes', 'sweep.json'), '{"base": "a.maporl.json"}');
  return { runs, dir };
}

const fx = fabricate();

test('sweep directories: those with a plan, in the runs folder and one level below', () => {
  assert.deepEqual(findSweepDirs([fx.runs]), [fx.dir]);
  assert.deepEqual(findSweepDirs([fx.runs], 1), []);
  assert.equal(isSweepDir(join(fx.runs, 'notes')), false);
  assert.deepEqual(findSweepDirs([join(fx.runs, 'missing')]), []);
});

test('tree: cells in plan order, runs with state, progress and where they run', async () => {
  const status = await loadSweepStatus(fx.dir);
  const tree = sweepTree(status);
  assert.equal(tree.name, 'exp');
  assert.equal(tree.active, true);
  assert.deepEqual(
    tree.cells.map((c) => [c.cell, c.runs.map((r) => [r.seed, r.state])]),
    [
      [
        'alpha-0',
        [
          [0, 'failed'],
          [1, 'pending'],
        ],
      ],
      [
        'alpha-1',
        [
          [0, 'finished'],
          [1, 'running'],
        ],
      ],
    ],
  );
  assert.equal(countsText(tree.counts), '1 pending · 1 running · 1 finished · 1 failed');
  assert.equal(countsText(tree.cells[0].counts), '1 pending · 1 failed');
  const running = tree.cells[1].runs[1];
  assert.equal(runDescription(running), `seed 1 · running · step 2/10 (20%) · pid ${children[0].pid}`);
  assert.equal(runDescription(tree.cells[0].runs[1]), 'seed 1 · pending');
  assert.equal(tree.cells[0].runs[0].message, 'out of memory');
  // finished counts whole, running 2 of 10, failed 2 of 10, pending 0: (1 + 0.2 + 0.2 + 0) / 4
  assert.ok(Math.abs(percentDone(status.runs) - 35) < 1e-9);
  assert.equal(sweepTree({ ...status, runs: status.runs.filter((r) => r.state !== 'running') }).active, false);
});

test('rewardCurve: training metrics only, last line per step, torn lines skipped', () => {
  assert.deepEqual(rewardCurve(events([0.1, 0.2])), [
    { step: 1, value: 0.1 },
    { step: 2, value: 0.2 },
  ]);
  const resumed = `${JSON.stringify({ type: 'metrics', step: 1, time: T, reward: 0.1 })}\n${JSON.stringify({ type: 'metrics', step: 1, time: T, reward: 0.3 })}\n`;
  assert.deepEqual(rewardCurve(resumed), [{ step: 1, value: 0.3 }]);
  assert.deepEqual(rewardCurve(JSON.stringify({ type: 'metrics', step: 1, time: T, reward: null })), []);
  // Only valid metrics events count: no time, a step that is not an integer, an evaluation.
  const invalid = [
    { type: 'metrics', step: 1, reward: 0.5 },
    { type: 'metrics', step: 1.5, time: T, reward: 0.5 },
    { type: 'metrics', step: 1, time: T, split: 'eval', reward: 0.5 },
  ];
  assert.deepEqual(rewardCurve(invalid.map((e) => JSON.stringify(e)).join('\n')), []);
});

test('meanBand: mean and sample std (n - 1) over the seeds at each step; one seed has no band', () => {
  const band = meanBand([
    [
      { step: 1, value: 1 },
      { step: 2, value: 2 },
      { step: 3, value: 5 },
    ],
    [
      { step: 1, value: 3 },
      { step: 2, value: 4 },
    ],
    [{ step: 1, value: 5 }],
  ]);
  assert.deepEqual(
    band.map((b) => [b.step, b.mean, b.n]),
    [
      [1, 3, 3],
      [2, 3, 2],
      [3, 5, 1],
    ],
  );
  assert.equal(band[0].std, 2); // values 1, 3, 5: sum of squares 8 over n - 1 = 2 → 2
  assert.ok(Math.abs(band[1].std! - Math.SQRT2) < 1e-12);
  assert.equal(band[2].std, null);
  assert.deepEqual(meanBand([]), []);
});

test('report data: the engine aggregation per cell and a reward band per cell, only inside the runs folders', () => {
  const d = readSweepReportData(fx.dir, [fx.runs]);
  assert.deepEqual(
    d.report.cells.map((c) => [c.cell, c.finished, c.majorityAccuracyAfter.map((s) => s?.mean)]),
    [
      ['alpha-0', 0, []],
      ['alpha-1', 1, [0.5, 0.7]],
    ],
  );
  assert.deepEqual(
    d.curves.map((c) => [c.cell, c.seeds, c.band.map((b) => +b.mean.toFixed(9))]),
    [
      ['alpha-0', 1, [0.1, 0.2]],
      ['alpha-1', 2, [0.3, 0.5, 0.6]],
    ],
  );
  assert.throws(() => readSweepReportData(fx.dir, [join(fx.runs, 'solo')]), /outside the workspace and runs folders/);
});

test('report page: strict CSP with a nonce, escaped names, a table row and a band per cell', () => {
  const d = readSweepReportData(fx.dir, [fx.runs]);
  d.report.cells[0].cell = '<script>alert(1)</script>';
  const html = sweepReportHtml(d, {
    cspSource: 'vscode-resource:',
    scriptUri: 'vscode-resource:/sweep.js',
    styleUri: 'vscode-resource:/sweep.css',
    nonce: 'abc123',
  });
  assert.match(html, /default-src &#39;none&#39;; script-src &#39;nonce-abc123&#39;; style-src vscode-resource:;/);
  assert.ok(!html.includes('<script>alert'), 'cell names are escaped');
  assert.ok(!/<script(?![^>]*nonce="abc123")/.test(html), 'every script carries the nonce');
  assert.ok(!/\son\w+=|style="/.test(html), 'no inline handlers or styles (CSP)');
  assert.equal(
    (html.match(/<polygon class="band/g) ?? []).length,
    1,
    'a band only where two seeds or more exist at two steps or more',
  );
  assert.equal((html.match(/<polyline class="mean/g) ?? []).length, 2);
  assert.match(html, /<td>50\.0<\/td><td>70\.0<\/td>/);
  assert.match(html, /data-action="openRun" data-run="alpha-1__seed-1"/);
});

test('report messages: refresh and openRun by a run name; anything else is dropped', () => {
  assert.ok(isSweepReportMessage({ type: 'refresh' }));
  assert.ok(isSweepReportMessage({ type: 'openRun', run: 'alpha-1__seed-0' }));
  for (const bad of [
    null,
    'refresh',
    {},
    { type: 'openDir' },
    { type: 'openRun' },
    { type: 'openRun', run: 3 },
    { type: 'openRun', run: '../../etc/passwd' },
    { type: 'openRun', run: '..' },
    { type: 'openRun', run: 'a/b' },
    { type: 'toString' },
    { type: '__proto__' },
  ]) {
    assert.ok(!isSweepReportMessage(bad), JSON.stringify(bad));
  }
  assert.equal(validateSweepReportMessage({ type: 'openRun', run: 'a/b' }), 'run: expected a run name');
});

test('the tree reads the same status as maporl sweep status --json', () => {
  assert.deepEqual(
    sweepStatus(fx.dir).runs.map((r) => r.state),
    ['failed', 'pending', 'finished', 'running'],
  );
});

test('Restricted Mode: a Slurm sweep is read from its files alone, without asking Slurm', async () => {
  const { runs } = fabricate();
  const dir = join(runs, 'sweeps', 'exp');
  writeFileSync(
    join(dir, 'jobs.jsonl'),
    JSON.stringify({ type: 'slurm-submit', jobId: '77', indices: [0, 1, 2, 3], time: T }) + '\n',
  );
  const s = await loadSweepStatus(dir, false);
  assert.deepEqual(
    s.runs.map((r) => [r.state, r.where]),
    [
      ['failed', 'slurm 77_0'],
      ['pending', 'slurm 77_1'],
      ['finished', 'slurm 77_2'],
      ['running', 'slurm 77_3'],
    ],
  );
  assert.match(s.runs[1].message ?? '', /Restricted Mode/);
});

/** A sweep of fabricate()'s runs submitted as Slurm job 77, and a PATH whose squeue prints `queue`. */
function slurmSweep(queue: string | null): { dir: string; path: string } {
  const { runs } = fabricate();
  const dir = join(runs, 'sweeps', 'exp');
  writeFileSync(
    join(dir, 'jobs.jsonl'),
    JSON.stringify({ type: 'slurm-submit', jobId: '77', indices: [0, 1, 2, 3], time: T }) + '\n',
  );
  const bin = mkdtempSync(join(tmpdir(), 'maporl-fake-slurm-'));
  if (queue !== null) {
    writeFileSync(join(bin, 'squeue'), `#!/bin/sh\nprintf '%s' '${queue}'\n`);
    chmodSync(join(bin, 'squeue'), 0o755);
  }
  return { dir, path: bin }; // Slurm's own commands, if this machine has them, are not on it
}

async function withPath<T>(path: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await f();
  } finally {
    process.env.PATH = saved;
  }
}

test("a Slurm sweep takes the local sweeps' route: the engine's sweepStatus, Slurm's queue asked without blocking", async () => {
  const queue = '77_0|FAILED\n77_1|PENDING\n77_2|COMPLETED\n77_3|RUNNING\n';
  const { dir, path } = slurmSweep(queue);
  const host = await withPath(path, () => loadSweepStatus(dir));
  const states = new Map<string, SlurmTaskState>();
  addTaskStates(states, queue);
  assert.deepEqual(host, sweepStatus(dir, { slurm: () => states }), 'what the CLI computes from the same queue');
  assert.deepEqual(
    host.runs.map((r) => r.where),
    ['slurm 77_0 FAILED', 'slurm 77_1 PENDING', 'slurm 77_2 COMPLETED', 'slurm 77_3 RUNNING'],
  );
});

test('without squeue on PATH, a Slurm sweep is read from its files and says why', async () => {
  const { dir, path } = slurmSweep(null);
  const s = await withPath(path, () => loadSweepStatus(dir));
  assert.deepEqual(
    s.runs.map((r) => r.state),
    ['failed', 'pending', 'finished', 'running'],
  );
  assert.match(s.runs[1].message ?? '', /squeue not found/);
});
