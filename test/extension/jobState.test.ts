// The job state machine: phases, and the outcome from exit code, signal, reported status and stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialJobState, isErrorOutcome, jobReducer, type JobAction } from '../../src/extension/jobs/jobState';

const run = (...actions: JobAction[]) => actions.reduce(jobReducer, initialJobState());

test('the first message moves starting to running', () => {
  assert.equal(run().phase, 'starting');
  assert.equal(run({ type: 'message' }).phase, 'running');
});

test('exit 0 after "finished" is finished; after a stop it is stopped', () => {
  assert.equal(run({ type: 'status', status: 'finished' }, { type: 'exit', code: 0, signal: null }).outcome, 'finished');
  assert.equal(run({ type: 'message' }, { type: 'stop' }, { type: 'exit', code: 0, signal: null }).outcome, 'stopped');
  assert.equal(run({ type: 'status', status: 'stopped' }, { type: 'exit', code: 0, signal: null }).outcome, 'stopped');
});

test('exit codes 1 and 2 are the engine reporting failure and bad input', () => {
  assert.equal(run({ type: 'exit', code: 1, signal: null }).outcome, 'failed');
  assert.equal(run({ type: 'exit', code: 2, signal: null }).outcome, 'badInput');
  assert.equal(run({ type: 'status', status: 'failed' }, { type: 'exit', code: 0, signal: null }).outcome, 'failed');
});

test('any other exit is a crash, unless a stop asked for it or it was killed', () => {
  assert.equal(run({ type: 'message' }, { type: 'exit', code: 134, signal: null }).outcome, 'crashed');
  assert.equal(run({ type: 'exit', code: null, signal: 'SIGSEGV' }).outcome, 'crashed');
  assert.equal(run({ type: 'exit', code: null, signal: 'SIGTERM' }).outcome, 'crashed', 'SIGTERM from someone else');
  assert.equal(run({ type: 'stop' }, { type: 'exit', code: null, signal: 'SIGTERM' }).outcome, 'stopped');
  assert.equal(run({ type: 'stop' }, { type: 'kill' }, { type: 'exit', code: null, signal: 'SIGKILL' }).outcome, 'killed');
});

test('nothing changes a job after its exit', () => {
  const done = run({ type: 'exit', code: 0, signal: null });
  assert.equal(jobReducer(done, { type: 'stop' }), done);
  assert.equal(jobReducer(done, { type: 'status', status: 'failed' }), done);
});

test('error outcomes are the ones that show the log', () => {
  assert.deepEqual(
    ['finished', 'stopped', 'killed', 'failed', 'badInput', 'crashed'].filter((o) => isErrorOutcome(o as never)),
    ['killed', 'failed', 'badInput', 'crashed'],
  );
});
