// What the dashboard says about a run: the untrained-agents warning appears exactly when the team's
// turn-1 answers are all wrong before training; the base-agent stage replaces the curves while it
// runs; empty charts say what they wait for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunHeader } from '../../src/protocol/webview';
import { baseAgentsWarning, emptyChartMessage, showsBaseStage } from '../../webview/dashboard/guidance';
import { appendPoints, CHARTS, emptyColumns } from '../../webview/dashboard/metricsStore';

const cols = (points: Parameters<typeof appendPoints>[1]) => {
  const m = emptyColumns();
  appendPoints(m, points);
  return m;
};

const header = (patch: Partial<RunHeader> = {}): RunHeader => ({
  runDir: '/r',
  name: 'r',
  status: 'running',
  step: 0,
  totalSteps: 40,
  startedAt: null,
  updatedAt: null,
  etaSeconds: null,
  executionProvider: null,
  message: null,
  config: [{ pointer: '/eval/every', value: '10' }],
  ...patch,
});

test('warning: turn-1 majority accuracy 0 in the evaluation before training', () => {
  assert.deepEqual(baseAgentsWarning(cols([]), cols([{ step: 0, majorityAccuracy: [0, 0, 0] }])), {
    accuracy: 0,
    source: 'eval',
  });
  assert.equal(baseAgentsWarning(cols([]), cols([{ step: 0, majorityAccuracy: [0.02, 0, 0] }])), null);
  // Later evaluations do not count: the warning is about the agents before training.
  assert.equal(
    baseAgentsWarning(
      cols([]),
      cols([
        { step: 0, majorityAccuracy: [0.5] },
        { step: 10, majorityAccuracy: [0] },
      ]),
    ),
    null,
  );
  // The evaluation before training decides, whatever the first iteration shows.
  assert.equal(baseAgentsWarning(cols([{ step: 1, majorityAccuracy: [0] }]), cols([{ step: 0, majorityAccuracy: [0.4] }])), null);
});

test('warning: without an evaluation before training, the first iteration decides; no data, no warning', () => {
  assert.deepEqual(
    baseAgentsWarning(
      cols([
        { step: 1, majorityAccuracy: [0, 0] },
        { step: 2, majorityAccuracy: [0.3, 0] },
      ]),
      cols([]),
    ),
    { accuracy: 0, source: 'train' },
  );
  assert.equal(baseAgentsWarning(cols([{ step: 1, majorityAccuracy: [0.1] }]), cols([])), null);
  assert.equal(baseAgentsWarning(cols([{ step: 1, reward: 0 }]), cols([])), null);
  assert.equal(baseAgentsWarning(cols([]), cols([])), null);
});

test('the base-agent stage replaces the curves while it runs and until the first point', () => {
  const stage = { step: 400, total: 2200, losses: [{ step: 400, loss: 0.8 }], done: false, reused: false };
  assert.equal(showsBaseStage(header({ baseStage: stage }), cols([]), cols([])), true);
  assert.equal(showsBaseStage(header({ baseStage: { ...stage, done: true } }), cols([]), cols([])), true);
  assert.equal(
    showsBaseStage(header({ baseStage: { ...stage, done: true } }), cols([]), cols([{ step: 0, majorityAccuracy: [0.5] }])),
    false,
  );
  assert.equal(showsBaseStage(header({ baseStage: stage, status: 'stopped' }), cols([]), cols([])), false);
  assert.equal(showsBaseStage(header(), cols([]), cols([])), false);
});

test('empty charts say what they wait for', () => {
  const evalChart = CHARTS.find((c) => c.id === 'evalMajority')!;
  const kl = CHARTS.find((c) => c.id === 'kl')!;
  assert.match(emptyChartMessage(evalChart, header()), /before training, then every 10 iterations/);
  assert.match(emptyChartMessage(kl, header()), /iteration 1/);
  assert.match(emptyChartMessage(kl, header({ status: 'finished' })), /no values/);
  assert.match(emptyChartMessage(kl, header({ config: [{ pointer: '/training/mode', value: 'none' }] })), /Not trained/);
});
