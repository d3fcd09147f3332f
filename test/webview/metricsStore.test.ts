// The dashboard's curve columns: aligned columns with gaps as null, per-turn series, rewinding on a
// resumed run, and 10,000 steps appended quickly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMetricsPoint } from '../../src/protocol/runRecords';
import { CHARTS, appendPoints, chartData, chartSeries, emptyColumns, lastValue } from '../../webview/dashboard/metricsStore';

test('columns stay aligned with the step axis; missing values are null', () => {
  const m = emptyColumns();
  appendPoints(m, [
    { step: 1, reward: 0.1 },
    { step: 2, kl: 0.5 },
    { step: 3, reward: 0.3, verifier: [0.2, 0.4] },
  ]);
  assert.deepEqual(m.steps, [1, 2, 3]);
  assert.deepEqual(m.columns.get('reward'), [0.1, null, 0.3]);
  assert.deepEqual(m.columns.get('kl'), [null, 0.5, null]);
  assert.deepEqual(m.columns.get('verifier.2'), [null, null, 0.4]);
  for (const col of m.columns.values()) assert.equal(col.length, 3);
  assert.equal(m.turns, 2);
  assert.equal(lastValue(m, 'kl'), 0.5);
  assert.equal(lastValue(m, 'entropy'), null);
});

test('a new metric or turn is reported as new series; a repeated step rewinds', () => {
  const m = emptyColumns();
  assert.equal(appendPoints(m, [{ step: 1, reward: 1 }]).newSeries, true);
  assert.equal(appendPoints(m, [{ step: 2, reward: 2 }]).newSeries, false);
  assert.equal(appendPoints(m, [{ step: 3, majorityAccuracy: [0.1, 0.2, 0.3] }]).newSeries, true);
  const r = appendPoints(m, [{ step: 2, reward: 20 }]);
  assert.equal(r.rewound, true);
  assert.deepEqual(m.steps, [1, 2]);
  assert.deepEqual(m.columns.get('reward'), [1, 20]);
  assert.deepEqual(m.columns.get('majorityAccuracy.3'), [null, null]);
});

test('every chart gets [steps, ...one column per series], per-turn charts one series per turn', () => {
  const m = emptyColumns();
  appendPoints(m, [{ step: 1, verifier: [0.1, 0.2, 0.3], policyLoss: 1 }]);
  const verifier = CHARTS.find((c) => c.id === 'verifier')!;
  assert.deepEqual(
    chartSeries(verifier, m.turns).map((s) => s.label),
    ['turn 1', 'turn 2', 'turn 3'],
  );
  assert.deepEqual(chartData(m, verifier), [[1], [0.1], [0.2], [0.3]]);
  const loss = CHARTS.find((c) => c.id === 'loss')!;
  assert.deepEqual(chartData(m, loss), [[1], [1], [null]]);
  assert.deepEqual(
    CHARTS.map((c) => c.id),
    ['reward', 'verifier', 'majority', 'evalMajority', 'kl', 'entropy', 'loss', 'clip', 'dynamicSampling', 'throughput'],
  );
});

test('dynamic sampling counts become the sampled / trained-on series of a chart shown only once logged', () => {
  const m = emptyColumns();
  appendPoints(m, [{ step: 1, reward: 0.5 }]);
  const chart = CHARTS.find((c) => c.id === 'dynamicSampling')!;
  assert.equal(chart.whenLogged, true);
  assert.deepEqual(chartData(m, chart), [[1], [null], [null]]);
  const r = appendPoints(m, [
    { step: 2, dynamicSampling: { rounds: 3, sampled: 3456, updated: 1120 } },
    { step: 3, dynamicSampling: { rounds: 2, sampled: 2304, updated: 1152 } },
  ]);
  assert.equal(r.newSeries, true);
  assert.deepEqual(chartData(m, chart), [
    [1, 2, 3],
    [null, 3456, 2304],
    [null, 1120, 1152],
  ]);
  assert.equal(lastValue(m, 'updatedResponses'), 1152);
  // The webview's input check accepts the counts and refuses a malformed object.
  assert.equal(isMetricsPoint({ step: 2, dynamicSampling: { rounds: 3, sampled: 3456, updated: 1120 } }), true);
  assert.equal(isMetricsPoint({ step: 2, dynamicSampling: { rounds: 3, sampled: 'many' } }), false);
});

test('10,000 steps append in well under a second', () => {
  const m = emptyColumns();
  const points = Array.from({ length: 10_000 }, (_, k) => ({
    step: k + 1,
    reward: k,
    verifier: [0.1, 0.2, 0.3],
    majorityAccuracy: [0.1, 0.2, 0.3],
    kl: 1,
    entropy: 1,
    policyLoss: 1,
    valueLoss: 1,
    clipFraction: 0.1,
    tokensPerSecond: 100,
  }));
  const t = performance.now();
  for (let k = 0; k < points.length; k += 25) appendPoints(m, points.slice(k, k + 25)); // batches as the host sends them
  const ms = performance.now() - t;
  assert.equal(m.steps.length, 10_000);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
