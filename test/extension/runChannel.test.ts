// The run channel, engine to host: every kind of record a run directory holds is written through the
// engine's writer (engine/maporl/run/runDir.ts, RunDir) and read back through the host's reader
// (extension/runData: RunModel from the files, peekRunState for the run list), which folds only what
// validateRunEvent accepts. One sample per RunEvent type, checked by the type: a new event type fails to
// compile here until it has a sample and the host reads it. A line that is not a valid record is
// reported with its file and line and skipped.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewEvent } from '../../src/engine/io/parentChannel';
import { RunDir } from '../../src/engine/maporl/run/runDir';
import type { RunEvent, RunSummary, TranscriptRecord } from '../../src/protocol/runRecords';
import { peekRunState } from '../../src/extension/runData/runDirectory';
import { RunModel, emptyDelta } from '../../src/extension/runData/runModel';
import { progressText } from '../../src/extension/runData/runState';

type Sample<K extends RunEvent['type']> = Extract<NewEvent, { type: K }>;
const SAMPLES: { [K in RunEvent['type']]: Sample<K>[] } = {
  status: [{ type: 'status', step: 0, status: 'running', totalSteps: 2 }],
  runtime: [
    { type: 'runtime', step: 0, asked: 'auto', used: 'cpu', fallback: null, device: 'a CPU', threads: 2, ortVersion: '1.30.0' },
  ],
  stage: [
    { type: 'stage', step: 0, stage: 'base-agents', state: 'running', done: 10, total: 20, loss: 1.25 },
    { type: 'stage', step: 0, stage: 'base-agents', state: 'running', done: 20, total: 20, loss: 0.5 },
    { type: 'stage', step: 0, stage: 'base-agents', state: 'prepared', done: 20, total: 20, loss: null, dir: '/cache/agents' },
  ],
  log: [{ type: 'log', step: 0, level: 'warn', message: 'a warning' }],
  metrics: [
    { type: 'metrics', step: 0, split: 'eval', majorityAccuracy: [0.5, 0.6], meanAgentAccuracy: [0.4, 0.5] },
    { type: 'metrics', step: 1, reward: 0.25, majorityAccuracy: [0.5, 0.5], kl: 0.01, seconds: { update: 1.5 } },
    { type: 'metrics', step: 2, reward: 0.5, dynamicSampling: { rounds: 1, sampled: 8, updated: 4 } },
  ],
  checkpoint: [{ type: 'checkpoint', step: 2, path: 'checkpoints/step-000002' }],
};
const FINISHED: Sample<'status'> = { type: 'status', step: 2, status: 'finished' };

const transcript: TranscriptRecord = {
  id: 'q1',
  step: 1,
  split: 'train',
  question: 'Tom has 3 pens. How many pens now?',
  answer: '3',
  source: { file: 'train.jsonl', line: 1 },
  turns: [[{ agent: 0, text: 'Answer: 3', answer: '3', correct: true, verifier: 0.9, reward: 1 }]],
  majority: ['3'],
  majorityCorrect: [true],
};
const summary: RunSummary = {
  name: 'r',
  status: 'finished',
  mode: 'maporl',
  steps: 2,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  seconds: 60,
  before: null,
  after: null,
  metrics: { reward: 0.5 },
};

function writeRun(): { dir: string; run: RunDir; events: NewEvent[] } {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-channel-'));
  const run = new RunDir(dir);
  const events: NewEvent[] = [...SAMPLES.status, ...SAMPLES.runtime, ...SAMPLES.stage, ...SAMPLES.log, ...SAMPLES.metrics];
  for (const e of events) run.event(e);
  run.transcript(transcript);
  for (const e of [...SAMPLES.checkpoint, FINISHED]) run.event(e);
  run.writeSummary(summary);
  return { dir, run, events: [...events, ...SAMPLES.checkpoint, FINISHED] };
}

test("every record the engine's writer writes, the host's reader reads without a problem", () => {
  const { dir, events } = writeRun();
  try {
    const model = new RunModel(dir, () => null);
    const delta = model.readFiles();
    assert.deepEqual(delta.problems, []);
    assert.equal(delta.events, events.length, 'every event folded');
    assert.equal(model.state.status, 'finished');
    assert.equal(model.state.step, 2);
    assert.equal(model.state.totalSteps, 2);
    assert.deepEqual(
      model.metrics.map((m) => [m.step, m.reward]),
      [
        [1, 0.25],
        [2, 0.5],
      ],
    );
    assert.deepEqual(
      model.evalMetrics.map((m) => m.majorityAccuracy),
      [[0.5, 0.6]],
    );
    assert.deepEqual(
      model.transcripts.map((t) => t.id),
      ['q1'],
    );
    assert.equal(model.summary?.status, 'finished');
    // The base-agent stage, from its typed events alone (no log line names it).
    const stage = model.state.baseStage;
    assert.deepEqual(stage && { ...stage, timing: undefined }, {
      step: 20,
      total: 20,
      losses: [
        { step: 10, loss: 1.25 },
        { step: 20, loss: 0.5 },
      ],
      done: true,
      reused: false,
      timing: undefined,
    });
    // The run list's cheap look at the same file agrees.
    const peek = peekRunState(dir);
    assert.equal(peek.status, 'finished');
    assert.equal(peek.baseStage?.done, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('while the stage runs, its progress reaches the status text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-channel-'));
  try {
    const run = new RunDir(dir);
    for (const e of [...SAMPLES.status, SAMPLES.stage[0]]) run.event(e);
    const model = new RunModel(dir, () => null);
    model.readFiles();
    assert.equal(progressText(model.state), 'base agents: SFT 50% (step 10/20)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a line that is not a valid event is reported with its file and line, and not folded', () => {
  const { dir } = writeRun();
  try {
    appendFileSync(
      join(dir, 'events.jsonl'),
      JSON.stringify({ type: 'status', step: 3, time: 'later', status: 'running' }) + '\n',
    );
    appendFileSync(join(dir, 'events.jsonl'), JSON.stringify({ type: 'stage', step: 3, time: new Date().toISOString() }) + '\n');
    const model = new RunModel(dir, () => null);
    const { problems } = model.readFiles();
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /events\.jsonl:\d+: time: expected an ISO 8601 time string \(event skipped\)$/);
    assert.match(problems[1], /events\.jsonl:\d+: stage: /);
    assert.equal(model.state.status, 'finished', 'the invalid status event changed nothing');
    assert.equal(model.state.step, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same records over IPC (what the writer sends a parent process) fold as they do from the files', () => {
  const sent: unknown[] = [];
  const saved = { send: process.send, connected: Object.getOwnPropertyDescriptor(process, 'connected') };
  process.send = ((m: unknown, _h: unknown, _o: unknown, cb?: () => void) => {
    sent.push(JSON.parse(JSON.stringify(m))); // as the IPC channel serializes it
    cb?.();
    return true;
  }) as typeof process.send;
  Object.defineProperty(process, 'connected', { value: true, configurable: true });
  let dir: string;
  try {
    dir = writeRun().dir;
  } finally {
    process.send = saved.send;
    if (saved.connected) Object.defineProperty(process, 'connected', saved.connected);
    else delete (process as { connected?: boolean }).connected;
  }
  try {
    const fromFiles = new RunModel(dir, () => null);
    fromFiles.readFiles();
    const overIpc = new RunModel(dir, () => null);
    const delta = emptyDelta();
    for (const m of sent as { kind: string; event?: unknown; record?: unknown }[]) {
      if (m.kind === 'event') overIpc.applyEvent(m.event, delta);
      else overIpc.applyTranscript(m.record, delta);
    }
    assert.deepEqual(delta.problems, []);
    assert.deepEqual({ ...overIpc.state, recent: [] }, { ...fromFiles.state, recent: [] });
    assert.deepEqual(overIpc.metrics, fromFiles.metrics);
    assert.deepEqual(overIpc.transcripts, fromFiles.transcripts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
