// A run's base-agent stage is read from its stage events, shown in the status bar's progress text and
// sent to the dashboard; the dashboard's before/after table comes from summary.json; the page accepts
// the new header fields and its two commands, and nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostToWebview, isWebviewToHost, type RunHeader } from '../../src/protocol/webview';
import type { BaseAgentsStageEvent } from '../../src/protocol/runRecords';
import { baseStageEtaSeconds, foldBaseStage, type BaseStage } from '../../src/extension/runData/baseStage';
import { emptyRunState, foldEvent, progressText } from '../../src/extension/runData/runState';
import { runOutcome } from '../../src/extension/dashboard/runOutcome';

const time = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000).toISOString();
const progress = (done: number, total: number, loss: number | null, s = 0): BaseAgentsStageEvent => ({
  type: 'stage',
  step: 0,
  time: time(s),
  stage: 'base-agents',
  state: 'running',
  done,
  total,
  loss,
});
const end = (state: 'prepared' | 'reused', total: number): BaseAgentsStageEvent => ({
  type: 'stage',
  step: 0,
  time: time(0),
  stage: 'base-agents',
  state,
  done: total,
  total,
  loss: null,
  dir: '/c/sft/model',
});

test("the stage from the engine's stage events", () => {
  let s: BaseStage | null = foldBaseStage(null, progress(110, 2200, 1.111));
  assert.deepEqual(
    { ...s, timing: undefined },
    { step: 110, total: 2200, losses: [{ step: 110, loss: 1.111 }], done: false, reused: false, timing: undefined },
  );
  assert.equal(
    baseStageEtaSeconds(foldBaseStage(foldBaseStage(null, progress(100, 1000, 1, 0)), progress(200, 1000, 1, 10))),
    80,
  );
  s = foldBaseStage(s, progress(220, 2200, 0.916));
  assert.deepEqual(
    s.losses.map((p) => p.step),
    [110, 220],
  );
  assert.deepEqual(foldBaseStage(s, progress(330, 2200, null)).losses.length, 2, 'a step without a finite loss adds no point');
  const done = foldBaseStage(s, end('prepared', 2200));
  assert.deepEqual({ ...done, losses: done.losses.length }, { step: 2200, total: 2200, losses: 2, done: true, reused: false });
  assert.deepEqual(foldBaseStage(null, end('reused', 2200)), { step: 2200, total: 2200, losses: [], done: true, reused: true });
  // A resumed run reports the steps again from the start: later points are replaced, not duplicated.
  assert.deepEqual(foldBaseStage(s, progress(110, 2200, 1.2)).losses, [{ step: 110, loss: 1.2 }]);
});

test('run state: stage events fold into the stage, log lines do not; progress text shows it until it ends', () => {
  const state = emptyRunState();
  foldEvent(state, { type: 'status', status: 'running', step: 0, time: time(0), totalSteps: 40 });
  foldEvent(state, { type: 'log', level: 'info', step: 0, time: time(0), message: 'base agents: SFT step 10/20, loss 1' });
  assert.equal(state.baseStage, null, 'no fact about a run is parsed from log text');
  foldEvent(state, progress(660, 2200, 0.408));
  assert.equal(progressText(state), 'base agents: SFT 30% (step 660/2200)');
  foldEvent(state, progress(770, 2200, 0.369, 11));
  assert.equal(progressText(state), 'base agents: SFT 35% (step 770/2200) · ETA 2:23', '110 steps in 11 s: 1430 steps left');
  foldEvent(state, end('prepared', 2200));
  assert.equal(progressText(state), 'step 0/40');
  foldEvent(state, { type: 'log', level: 'error', step: 0, time: time(1), message: 'boom' });
  assert.equal(state.message, 'boom');
});

const turn = (maj: number, mean: number, w2r: number[], r2w: number[]) => ({
  majorityAccuracy: maj,
  meanAgentAccuracy: mean,
  agentAccuracy: [mean],
  wrongToRight: w2r,
  rightToWrong: r2w,
});

test('before/after per turn from summary.json, per-agent counts summed', () => {
  const outcome = runOutcome({
    name: 'r',
    status: 'finished',
    mode: 'maporl',
    steps: 40,
    startedAt: 't',
    finishedAt: 't',
    seconds: 1,
    metrics: {},
    before: { step: 0, questions: 100, turns: [turn(0.58, 0.547, [0, 0], [0, 0]), turn(0.5, 0.47, [10, 19], [30, 22])] },
    after: { step: 40, questions: 100, turns: [turn(0.6, 0.56, [0, 0], [0, 0]), turn(0.56, 0.52, [12, 20], [9, 8])] },
  });
  assert.deepEqual(outcome, {
    questions: 100,
    before: [
      { majorityAccuracy: 0.58, meanAgentAccuracy: 0.547, wrongToRight: 0, rightToWrong: 0 },
      { majorityAccuracy: 0.5, meanAgentAccuracy: 0.47, wrongToRight: 29, rightToWrong: 52 },
    ],
    after: [
      { majorityAccuracy: 0.6, meanAgentAccuracy: 0.56, wrongToRight: 0, rightToWrong: 0 },
      { majorityAccuracy: 0.56, meanAgentAccuracy: 0.52, wrongToRight: 32, rightToWrong: 17 },
    ],
  });
});

test('the page accepts the stage and the outcome in the header, and only its two commands', () => {
  const header: RunHeader = {
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
    config: [],
    baseStage: { step: 1, total: 2, losses: [{ step: 1, loss: 0.5 }], done: false, reused: false },
    outcome: {
      before: [{ majorityAccuracy: 0.5, meanAgentAccuracy: 0.5, wrongToRight: 0, rightToWrong: 0 }],
      after: null,
      questions: 100,
    },
  };
  const msg = { type: 'snapshot', header, metrics: [], evalMetrics: [], transcripts: [] };
  assert.equal(isHostToWebview(msg), true);
  assert.equal(isHostToWebview({ ...msg, header: { ...header, baseStage: { step: 'x' } } }), false);
  assert.equal(isHostToWebview({ ...msg, header: { ...header, outcome: { before: [{}], after: null, questions: 1 } } }), false);
  assert.equal(isWebviewToHost({ type: 'runCommand', runDir: '/r', command: 'maporl.prepareBaseAgents' }), true);
  assert.equal(isWebviewToHost({ type: 'runCommand', runDir: '/r', command: 'workbench.action.terminal.new' }), false);
});
