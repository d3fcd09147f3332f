// The runs' curves the comparison panel overlays: reward and majority accuracy per turn from
// events.jsonl (training and evaluation apart), a resumed run's repeated steps replacing the old ones,
// broken and unfinished lines skipped; and the page's merge of several runs onto one step axis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curvesFromEvents, thin } from '../../src/extension/compare/curves';
import type { RunCurve } from '../../src/protocol/compareView';
import { OVERLAYS, overlay } from '../../webview/compare/overlay';

const time = '2026-01-01T00:00:00.000Z';
const line = (o: object) => JSON.stringify({ time, ...o });

test('curvesFromEvents: training and evaluation points, other events ignored', () => {
  const text =
    [
      line({ type: 'status', step: 0, status: 'running' }),
      line({ type: 'metrics', step: 0, split: 'eval', majorityAccuracy: [0.25, 0.5], turns: [] }),
      line({ type: 'metrics', step: 1, reward: -0.5, majorityAccuracy: [0.1, null], kl: 0.01 }),
      line({ type: 'metrics', step: 2, reward: 0.5 }),
      line({ type: 'checkpoint', step: 2, path: 'checkpoints/step-000002' }),
    ].join('\n') + '\n';
  const c = curvesFromEvents(text);
  assert.deepEqual(c.train, [
    { step: 1, reward: -0.5, majority: [0.1, null] },
    { step: 2, reward: 0.5, majority: [] },
  ]);
  assert.deepEqual(c.eval, [{ step: 0, reward: null, majority: [0.25, 0.5] }]);
  assert.deepEqual(c.badLines, []);
});

test('curvesFromEvents: a resumed run replaces its repeated steps; broken lines are reported, an unfinished last line waits', () => {
  const text = [
    line({ type: 'metrics', step: 1, reward: 1 }),
    line({ type: 'metrics', step: 2, reward: 2 }),
    '{not json',
    line({ type: 'metrics', step: 2, reward: 20 }),
    line({ type: 'metrics', step: 3, reward: 3 }),
    '{"type":"metrics","step":4,"rew',
  ].join('\n');
  const c = curvesFromEvents(text);
  assert.deepEqual(
    c.train.map((p) => [p.step, p.reward]),
    [
      [1, 1],
      [2, 20],
      [3, 3],
    ],
  );
  assert.deepEqual(c.badLines, [3]);
});

test('thin keeps at most max points, evenly, with the last one', () => {
  const xs = Array.from({ length: 10_001 }, (_, i) => i);
  const t = thin(xs, 2000);
  assert.ok(t.length <= 2000, String(t.length));
  assert.equal(t[0], 0);
  assert.equal(t[t.length - 1], 10_000);
  assert.deepEqual(thin([1, 2, 3], 5), [1, 2, 3]);
  const text = xs.map((s) => line({ type: 'metrics', step: s, reward: s })).join('\n') + '\n';
  assert.ok(curvesFromEvents(text, 500).train.length <= 500);
});

test('overlay: the runs on the union of their steps, null where a run has no point, one series per run and turn', () => {
  const curve = (run: string, steps: number[], turns: number): RunCurve => ({
    runDir: `/r/${run}`,
    run,
    sideSteps: [],
    train: steps.map((s) => ({ step: s, reward: s / 10, majority: Array.from({ length: turns }, (_, t) => t + s / 100) })),
    eval: [],
  });
  const curves = [curve('a', [0, 2, 4], 2), curve('b', [1, 2], 1)];
  const reward = overlay(
    curves,
    OVERLAYS.find((o) => o.id === 'reward')!,
  );
  assert.deepEqual(reward.steps, [0, 1, 2, 4]);
  assert.deepEqual(
    reward.series.map((s) => [s.label, s.run, s.turn, s.values]),
    [
      ['a', 0, null, [0, null, 0.2, 0.4]],
      ['b', 1, null, [null, 0.1, 0.2, null]],
    ],
  );
  const majority = overlay(
    curves,
    OVERLAYS.find((o) => o.id === 'majority')!,
  );
  assert.deepEqual(
    majority.series.map((s) => s.label),
    ['a · turn 1', 'a · turn 2', 'b · turn 1'],
  );
  assert.deepEqual(majority.series[1].values, [1, null, 1.02, 1.04]);
  assert.deepEqual(
    overlay(
      curves,
      OVERLAYS.find((o) => o.id === 'evalMajority')!,
    ),
    { steps: [], series: [] },
    'no evaluations: no chart',
  );
});
