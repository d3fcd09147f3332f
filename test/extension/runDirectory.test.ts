// Reading run directories: listing, checkpoints, the cheap status peek, orphaned runs, and the full
// model with its curve (a resumed run overwrites steps) and transcripts (invalid ones reported).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MetricsPoint } from '../../src/protocol/runRecords';
import { writeJobFile } from '../../src/extension/runData/jobFile';
import { listCheckpoints, listRunDirectories, peekRunState, readRunListing } from '../../src/extension/runData/runDirectory';
import { RunModel, appendMetricsPoint } from '../../src/extension/runData/runModel';
import { appendStep, writeFakeRun } from './fixtures/fakeRun';

const tmp = () => mkdtempSync(join(tmpdir(), 'maporl-runs-'));
const totalOf = (c: Record<string, unknown> | null) => (c?.training as { iterations?: number })?.iterations ?? null;

test('only folders with events.jsonl or config.json are runs', () => {
  const root = tmp();
  writeFakeRun(join(root, 'a'), { steps: 2, status: 'finished' });
  mkdirSync(join(root, 'not-a-run'));
  mkdirSync(join(root, '.hidden'));
  writeFileSync(join(root, 'file.txt'), 'x');
  assert.deepEqual(
    listRunDirectories(root).map((d) => d.slice(root.length + 1)),
    ['a'],
  );
  assert.deepEqual(listRunDirectories(join(root, 'missing')), []);
});

test('checkpoints: complete step-N folders by step, temporary names skipped', () => {
  const dir = tmp();
  for (const n of ['step-000010', 'step-000002', 'step-000020.tmp-123', 'other'])
    mkdirSync(join(dir, 'checkpoints', n), { recursive: true });
  assert.deepEqual(
    listCheckpoints(dir).map((c) => c.step),
    [2, 10],
  );
});

test('the peek finds the final status and step from the end of a long events file', () => {
  const dir = writeFakeRun(join(tmp(), 'r'), { steps: 2000, status: 'stopped', checkpointEvery: 500 });
  const s = peekRunState(dir);
  assert.equal(s.status, 'stopped');
  assert.equal(s.step, 2000);
  assert.equal(s.totalSteps, 4000, 'from the first status event');
  assert.ok(s.startedAt, 'from the first line');
  const listing = readRunListing(dir, totalOf);
  assert.equal(listing.checkpoints.length, 4);
  assert.equal(listing.hasTranscripts, true);
});

test('a run marked running whose engine process is gone is shown as failed', () => {
  const dir = writeFakeRun(join(tmp(), 'r'), { steps: 3 });
  assert.equal(readRunListing(dir, totalOf).state.status, 'running', 'no job file: a CLI run, trusted');
  writeJobFile(dir, { pid: 2 ** 22 + 12345, startedAt: new Date().toISOString(), args: [] });
  const s = readRunListing(dir, totalOf).state;
  assert.equal(s.status, 'failed');
  assert.match(s.message ?? '', /ended without a final status/);
  writeJobFile(dir, { pid: process.pid, startedAt: new Date().toISOString(), args: [] });
  assert.equal(readRunListing(dir, totalOf).state.status, 'running', 'a live pid keeps it running');
});

test('the model follows appended steps and reports invalid transcripts with file and line', () => {
  const dir = writeFakeRun(join(tmp(), 'r'), { steps: 5 });
  writeJobFile(dir, { pid: process.pid, startedAt: '', args: [] });
  const model = new RunModel(dir, totalOf);
  const first = model.readFiles();
  assert.equal(first.metrics.length, 5);
  assert.equal(first.transcripts.length, 5);
  assert.equal(model.state.totalSteps, 10);
  appendStep(dir, 6);
  appendFileSync(join(dir, 'transcripts.jsonl'), JSON.stringify({ id: 'bad', step: 6 }) + '\n');
  const next = model.readFiles();
  assert.deepEqual(
    next.metrics.map((m) => m.step),
    [6],
  );
  assert.equal(next.transcripts.length, 1);
  assert.equal(next.problems.length, 1);
  assert.match(next.problems[0], /transcripts\.jsonl:7: .*transcript skipped/);
  assert.equal(model.metrics.length, 6);
});

test('evaluation events form their own curve', () => {
  const dir = writeFakeRun(join(tmp(), 'r'), { steps: 30, status: 'finished' });
  const model = new RunModel(dir, totalOf);
  const d = model.readFiles();
  assert.deepEqual(
    model.metrics.map((m) => m.step),
    Array.from({ length: 30 }, (_, k) => k + 1),
    'train curve unbroken by evaluations',
  );
  assert.deepEqual(
    model.evalMetrics.map((m) => m.step),
    [10, 20, 30],
  );
  assert.equal(d.evalMetrics.length, 3);
});

test('a curve point at or before the last step replaces the tail (a resumed run)', () => {
  const curve: MetricsPoint[] = [1, 2, 3, 4].map((step) => ({ step }));
  appendMetricsPoint(curve, { step: 3, reward: 1 });
  assert.deepEqual(
    curve.map((p) => p.step),
    [1, 2, 3],
  );
  assert.equal(curve[2].reward, 1);
  appendMetricsPoint(curve, { step: 4 });
  assert.deepEqual(
    curve.map((p) => p.step),
    [1, 2, 3, 4],
  );
});
