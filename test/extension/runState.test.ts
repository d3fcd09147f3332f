// Folding a run's events into its state: status, step, total, rate and ETA, eval events kept off the curve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  emptyRunState,
  etaSeconds,
  foldEvent,
  progressText,
  readRunEvent,
  stepsPerSecond,
} from '../../src/extension/runData/runState';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

test('status events set the status; a metrics event before any status means running', () => {
  const s = emptyRunState();
  foldEvent(s, { type: 'metrics', step: 1, time: at(1), reward: 0.1 });
  assert.equal(s.status, 'running');
  foldEvent(s, { type: 'status', step: 1, time: at(2), status: 'stopped', message: 'stopped by SIGTERM' });
  assert.equal(s.status, 'stopped');
  assert.equal(s.message, 'stopped by SIGTERM');
  foldEvent(s, { type: 'status', step: 1, time: at(3), status: 'running' });
  assert.equal(s.status, 'running');
  assert.equal(s.message, null, 'resuming clears the old message');
});

test('an unknown status, a field of the wrong type or an unknown event type is not an event: nothing is folded', () => {
  for (const record of [
    { type: 'status', status: 'exploded', step: 5, time: at(1) },
    { type: 'status', status: 'running', step: 5 },
    null,
    { type: 'metrics', step: 'x', time: at(1) },
    { type: 'log', step: 1, time: at(1), level: 'info', message: 'x', executionProvider: 'cuda' }, // extra fields are allowed
    { type: 'party', step: 1, time: at(1) },
  ]) {
    const { event, problem } = readRunEvent(record);
    if (record?.type === 'log') assert.ok(event && problem === null, 'a newer writer may add fields');
    else assert.ok(event === null && problem, JSON.stringify(record));
  }
});

test('metrics events return their point and curve; evaluations are a curve of their own', () => {
  const s = emptyRunState();
  const train = foldEvent(s, { type: 'metrics', split: 'train', step: 3, time: at(3), reward: 0.5 });
  assert.equal(train?.split, 'train');
  assert.equal(train?.point.step, 3);
  assert.equal(foldEvent(s, { type: 'metrics', step: 4, time: at(4) })?.split, 'train', 'no split means train');
  const evaluation = foldEvent(s, { type: 'metrics', split: 'eval', step: 4, time: at(5), majorityAccuracy: [0.5] });
  assert.equal(evaluation?.split, 'eval');
  assert.equal(s.recent.length, 2, 'evaluations are no rate samples');
});

test('rate, ETA and progress text from the recent metrics timestamps', () => {
  const s = emptyRunState();
  foldEvent(s, { type: 'status', status: 'running', step: 0, time: at(0), totalSteps: 100 });
  for (let k = 1; k <= 11; k++) foldEvent(s, { type: 'metrics', step: k, time: at(2 * k) });
  assert.equal(stepsPerSecond(s), 0.5);
  assert.equal(etaSeconds(s), (100 - 11) / 0.5);
  assert.equal(progressText(s), 'step 11/100 · 0.50 it/s · ETA 2:58');
  foldEvent(s, { type: 'status', status: 'finished', step: 11, time: at(30) });
  assert.equal(etaSeconds(s), null, 'no ETA once the run is over');
});
