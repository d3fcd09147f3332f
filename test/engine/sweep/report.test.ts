// The report: per cell, mean ± sample standard deviation over the finished seeds of each
// summary.json's per-turn accuracies and scalar metrics; unfinished runs are counted, not averaged.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SweepDir } from '../../../src/engine/sweep/layout';
import { reportMarkdown, stat, sweepReport } from '../../../src/engine/sweep/report';
import type { EvalTable } from '../../../src/protocol/runRecords';
import type { SweepPlan } from '../../../src/protocol/sweepSchema';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-sweep-report-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('stat: mean and the n-1 standard deviation; none for one value', () => {
  assert.deepEqual(stat([1, 2, 3, 4]), { mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  assert.deepEqual(stat([0.5]), { mean: 0.5, std: null, n: 1 });
  assert.equal(stat([]), null);
});

const table = (step: number, majority: number[]): EvalTable => ({
  step,
  questions: 4,
  turns: majority.map((m) => ({
    majorityAccuracy: m,
    meanAgentAccuracy: m / 2,
    agentAccuracy: [m / 2],
    wrongToRight: [0],
    rightToWrong: [0],
  })),
});

test('cells aggregate their finished seeds turn by turn', () => {
  const dir = path.join(root, 's');
  const sd = new SweepDir(dir);
  const runs = [
    ['a', 0],
    ['a', 1],
    ['a', 2],
    ['b', 0],
  ] as const;
  const plan: SweepPlan = {
    name: 's',
    sweepFile: '/s.sweep.json',
    baseConfig: '/b.maporl.json',
    runs: runs.map(([cell, seed], index) => ({
      index,
      name: `${cell}__seed-${seed}`,
      cell,
      seed,
      overrides: { 'x.y': cell, seed },
    })),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(sd.plan, JSON.stringify(plan));
  const summary = (name: string, status: string, after: number[], metric: number) => {
    fs.mkdirSync(sd.run(name), { recursive: true });
    fs.writeFileSync(
      path.join(sd.run(name), 'summary.json'),
      JSON.stringify({ status, before: table(0, [0.25, 0.25]), after: table(2, after), metrics: { auc: metric, missing: null } }),
    );
  };
  summary('a__seed-0', 'finished', [0.5, 0.75], 0.6);
  summary('a__seed-1', 'finished', [0.25, 0.25], 0.8);
  summary('a__seed-2', 'stopped', [1, 1], 1);
  const r = sweepReport(dir);
  assert.equal(r.finished, 2);
  const [a, b] = r.cells;
  assert.deepEqual([a.cell, a.finished, a.runs.length, a.overrides], ['a', 2, 3, { 'x.y': 'a' }]);
  assert.deepEqual(
    a.majorityAccuracyAfter.map((s) => s?.mean),
    [0.375, 0.5],
    'the stopped run is not averaged',
  );
  assert.ok(Math.abs(a.majorityAccuracyAfter[1]!.std! - Math.sqrt(0.125)) < 1e-12);
  assert.deepEqual(
    a.meanAgentAccuracyAfter.map((s) => s?.mean),
    [0.1875, 0.25],
  );
  assert.deepEqual(
    a.majorityAccuracyBefore.map((s) => s?.mean),
    [0.25, 0.25],
  );
  assert.deepEqual(Object.keys(a.metrics), ['auc'], 'null metrics are left out');
  assert.ok(Math.abs(a.metrics.auc.mean - 0.7) < 1e-12);
  assert.deepEqual([b.finished, b.majorityAccuracyAfter], [0, []]);
  const md = reportMarkdown(r);
  assert.match(md, /^# Sweep s\n\n2 of 4 runs finished\./);
  assert.match(md, /\| a \| 2\/3 \| 37\.5 ± 17\.7 \| 50\.0 ± 35\.4 \| 25\.0 ± 0\.0 \| 25\.0 ± 17\.7 \|/);
  assert.match(md, /\| b \| 0\/1 \| – \| – \| – \| – \|/);
  assert.match(md, /\| a \| 0\.7000 ± 0\.14 \|/);
});
