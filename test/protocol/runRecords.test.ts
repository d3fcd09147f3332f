// Run-directory record validators: accept what the engine writes, reject malformed records with
// the JSON path of the first problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isRunEvent,
  isRunSummary,
  isTranscriptRecord,
  validateRunEvent,
  validateRunSummary,
  validateTranscriptRecord,
  type RunSummary,
  type TranscriptRecord,
} from '../../src/protocol/runRecords';
import { isTranscriptView } from '../../src/protocol/webview';

/** A record mutated into a malformed one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const time = '2026-01-02T03:04:05.000Z';
const response = (agent: number, answer: string | null, correct: boolean) => ({
  agent,
  text: `... Answer: ${answer}`,
  answer,
  correct,
  verifier: correct ? 0.8 : 0.2,
  reward: null,
});
const transcript = (): TranscriptRecord => ({
  id: 'arith-test-3',
  step: 10,
  split: 'eval',
  question: 'Ann has 3 pens. How many pens now?',
  answer: '3',
  source: { file: 'builtin:arith/test', line: 4 },
  turns: [
    [response(0, '3', true), response(1, '4', false)],
    [response(0, '3', true), response(1, null, false)],
  ],
  majority: ['3', '3'],
  majorityCorrect: [true, true],
  majorityCredit: [0.5, 1],
});

test("a well-formed transcript line passes, and also passes the webview's looser guard", () => {
  const t = transcript();
  assert.equal(validateTranscriptRecord(t), null);
  assert.ok(isTranscriptRecord(JSON.parse(JSON.stringify(t))));
  assert.ok(isTranscriptView(t));
});

test('transcript problems name the JSON path', () => {
  const cases: [(t: Any) => void, string][] = [
    [(t) => delete t.source, 'source: expected an object, got undefined'],
    [(t) => (t.split = 'dev'), 'split: expected one of train|eval, got "dev"'],
    [(t) => (t.turns[1][0].verifier = 1.5), 'turns[1][0].verifier: expected a number in [0, 1], got 1.5'],
    [(t) => (t.turns[0][1].correct = null), 'turns[0][1].correct: expected a boolean, got null'],
    [(t) => (t.turns[0][1].reward = 'x'), 'turns[0][1].reward: expected a finite number, got string'],
    [(t) => t.turns[1].pop(), 'turns[1]: 1 responses, turn 0 has 2'],
    [(t) => t.majority.pop(), 'majority: 1 entries for 2 turns'],
    [(t) => (t.source.line = 0), 'source.line: expected an integer >= 1, got 0'],
    [(t) => (t.turns = []), 'turns: expected at least one turn'],
  ];
  for (const [mutate, want] of cases) {
    const t = transcript();
    mutate(t);
    assert.equal(validateTranscriptRecord(t), want);
    assert.equal(isTranscriptRecord(t), false);
  }
});

test('run events: metrics, status, log, checkpoint; unknown types and bad fields rejected', () => {
  const good = [
    {
      type: 'metrics',
      step: 3,
      time,
      reward: 0.4,
      verifier: [0.5, 0.6, null],
      majorityAccuracy: [0.5, 0.6, 0.7],
      kl: 0.01,
      gradNorm: 1.2,
      seconds: { generation: 2.5, update: 1 },
    },
    {
      type: 'metrics',
      step: 0,
      time,
      split: 'eval',
      turns: [{ majorityAccuracy: 0.5, meanAgentAccuracy: 0.4, agentAccuracy: [0.4], wrongToRight: [0], rightToWrong: [0] }],
    },
    { type: 'status', step: 0, time, status: 'running', totalSteps: 50 },
    { type: 'log', step: 2, time, level: 'warn', message: 'NaN loss, update skipped' },
    { type: 'checkpoint', step: 10, time, path: 'checkpoints/step-000010' },
  ];
  for (const e of good) assert.equal(validateRunEvent(e), null, JSON.stringify(e));
  assert.equal(validateRunEvent({ type: 'party', step: 1, time }), 'type: unknown event type "party"');
  assert.equal(
    validateRunEvent({ type: 'status', step: 1, time, status: 'paused' }),
    'status: expected one of running|finished|failed|stopped, got "paused"',
  );
  assert.equal(
    validateRunEvent({ type: 'log', step: -1, time, level: 'info', message: '' }),
    'step: expected an integer >= 0, got -1',
  );
  assert.equal(
    validateRunEvent({ type: 'log', step: 1, time: 'yesterday', level: 'info', message: '' }),
    'time: expected an ISO 8601 time string',
  );
  assert.equal(validateRunEvent({ type: 'metrics', step: 1, time, kl: 'high' }), 'kl: expected a finite number, got string');
  assert.equal(
    validateRunEvent({ type: 'metrics', step: 1, time, seconds: { update: 'x' } }),
    'seconds.update: expected a finite number, got string',
  );
  assert.equal(validateRunEvent(null), '$: expected an object');
  assert.equal(isRunEvent(good[0]), true);
});

test('summary: complete summaries pass; a running status or bad table does not', () => {
  const s: RunSummary = {
    name: 'demo',
    status: 'finished',
    mode: 'maporl',
    steps: 20,
    startedAt: time,
    finishedAt: time,
    seconds: 170.5,
    before: {
      step: 0,
      questions: 100,
      turns: [
        {
          majorityAccuracy: 0.4,
          meanAgentAccuracy: 0.38,
          agentAccuracy: [0.4, 0.35, 0.39],
          wrongToRight: [0, 0, 0],
          rightToWrong: [0, 0, 0],
        },
      ],
    },
    after: null,
    metrics: { verifierAuc: 0.81, lastReward: null },
  };
  assert.equal(validateRunSummary(s), null);
  assert.ok(isRunSummary(s));
  assert.equal(validateRunSummary({ ...s, status: 'running' }), 'status: expected one of finished|failed|stopped, got "running"');
  assert.equal(
    validateRunSummary({ ...s, before: { ...s.before!, turns: [{ ...s.before!.turns[0], wrongToRight: [0.5] }] } }),
    'before.turns[0].wrongToRight[0]: expected an integer >= 0, got 0.5',
  );
  assert.equal(validateRunSummary({ ...s, seconds: -1 }), 'seconds: expected seconds >= 0');
});
