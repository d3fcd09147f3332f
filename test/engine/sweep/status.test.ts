// A sweep's status from its files alone (each run's summary.json and events.jsonl, the sweep's
// jobs.jsonl) and from whether the latest attempt is alive: a local pid, or Slurm's word for the
// array task (injected here; test/cli/sweep.test.ts asks a real Slurm).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SweepDir } from '../../../src/engine/sweep/layout';
import { SlurmError, type SlurmTaskState } from '../../../src/engine/sweep/slurm';
import { sweepStatus } from '../../../src/engine/sweep/status';
import type { JobRecord, SweepPlan } from '../../../src/protocol/sweepSchema';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-sweep-status-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const NAMES = ['done', 'crashed', 'stopped', 'never', 'live', 'queued', 'cancelled', 'gone'];
const plan: SweepPlan = {
  name: 's',
  sweepFile: '/x.sweep.json',
  baseConfig: '/x.maporl.json',
  runs: NAMES.map((name, index) => ({ index, name: `${name}__seed-0`, cell: name, seed: 0, overrides: {} })),
};
const dir = path.join(root, 's');
const sd = new SweepDir(dir);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(sd.plan, JSON.stringify(plan));

function runFiles(name: string, o: { steps: number; total: number; summary?: string; checkpoint?: boolean }) {
  const run = sd.run(`${name}__seed-0`);
  fs.mkdirSync(run, { recursive: true });
  const events = [
    { type: 'status', step: 0, status: 'running', totalSteps: o.total },
    ...Array.from({ length: o.steps }, (_, i) => ({ type: 'metrics', step: i + 1 })),
  ];
  fs.writeFileSync(path.join(run, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join('') + '{"type":"met');
  if (o.summary)
    fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ status: o.summary, message: `${o.summary} here` }));
  if (o.checkpoint) {
    fs.mkdirSync(path.join(run, 'checkpoints', 'step-000001'), { recursive: true });
    fs.writeFileSync(path.join(run, 'checkpoints', 'step-000001', 'trainer_state.json'), '{}');
  }
}

test('states from files, local pids and Slurm task states; progress from events.jsonl', async () => {
  runFiles('done', { steps: 3, total: 3, summary: 'finished' });
  runFiles('crashed', { steps: 1, total: 3, checkpoint: true });
  runFiles('stopped', { steps: 2, total: 3, summary: 'stopped', checkpoint: true });
  runFiles('live', { steps: 1, total: 3 });
  runFiles('gone', { steps: 1, total: 3 });
  // A live process whose command line names its run, as `maporl train … runs/<name>` does.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'live__seed-0'], { stdio: 'ignore' });
  after(() => child.kill());
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const jobs: JobRecord[] = [
    { type: 'local-start', name: 'done__seed-0', pid: 1 << 22, resume: false, time: t(1) },
    { type: 'local-start', name: 'crashed__seed-0', pid: (1 << 22) + 1, resume: false, time: t(1) },
    { type: 'local-exit', name: 'crashed__seed-0', pid: (1 << 22) + 1, code: 134, signal: null, time: t(2) },
    { type: 'local-start', name: 'stopped__seed-0', pid: (1 << 22) + 2, resume: false, time: t(1) },
    { type: 'local-start', name: 'live__seed-0', pid: child.pid!, resume: false, time: t(3) },
    { type: 'slurm-submit', jobId: '7', indices: [5, 6, 7], time: t(4) },
    { type: 'cancel', time: t(5) },
    { type: 'slurm-submit', jobId: '8', indices: [5, 7], time: t(6) },
  ];
  fs.writeFileSync(sd.jobs, jobs.map((j) => JSON.stringify(j) + '\n').join(''));
  await new Promise((r) => setTimeout(r, 200));
  const asked: string[][] = [];
  const slurm = (ids: string[]) => {
    asked.push(ids);
    return new Map<string, SlurmTaskState>([
      ['8_5', { state: 'PENDING', phase: 'queued' }],
      ['8_7', { state: 'FAILED', phase: 'ended' }],
    ]);
  };
  const s = sweepStatus(dir, { slurm });
  assert.deepEqual(
    asked.map((ids) => ids.sort()),
    [['7', '8']],
    'one question to Slurm for all jobs',
  );
  const by = Object.fromEntries(s.runs.map((r) => [r.cell, r]));
  assert.deepEqual(Object.fromEntries(s.runs.map((r) => [r.cell, r.state])), {
    done: 'finished',
    crashed: 'failed',
    stopped: 'stopped',
    never: 'pending',
    live: 'running',
    queued: 'pending',
    cancelled: 'stopped',
    gone: 'failed',
  });
  assert.deepEqual(s.counts, { pending: 2, running: 1, finished: 1, failed: 2, stopped: 2 });
  assert.deepEqual(
    [by.done.step, by.done.totalSteps, by.never.step, by.live.step],
    [3, 3, null, 1],
    'a torn last line is skipped',
  );
  assert.equal(by.crashed.message, 'ended without a summary (exit 134)');
  assert.equal(by.crashed.resumable, true);
  assert.equal(by.stopped.message, 'stopped here');
  assert.equal(by.queued.message, 'queued');
  assert.equal(by.queued.where, 'slurm 8_5 PENDING');
  assert.equal(by.cancelled.message, 'cancelled', 'cancelled while queued: no run directory');
  assert.equal(by.gone.message, 'ended without a summary (Slurm: FAILED)');
  assert.equal(by.live.where, `pid ${child.pid}`);
  assert.equal(JSON.parse(JSON.stringify(s)).runs.length, NAMES.length, 'plain JSON');
});

test("without Slurm's commands, unfinished Slurm runs are reported as unknown, finished ones as finished", () => {
  const s = sweepStatus(dir, {
    slurm: () => {
      throw new SlurmError('squeue not found');
    },
  });
  const by = Object.fromEntries(s.runs.map((r) => [r.cell, r]));
  assert.deepEqual([by.queued.state, by.queued.message], ['pending', 'state unknown: squeue not found']);
  assert.deepEqual(
    [by.gone.state, by.gone.message],
    ['running', 'state unknown: squeue not found'],
    'it has started: its events say so',
  );
  assert.equal(by.done.state, 'finished');
});
