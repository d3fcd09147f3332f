// Host <-> webview messages: well-formed ones pass, malformed or unknown ones are rejected, so neither
// side ever acts on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMessage } from '../../src/protocol/check';
import { isHostToWebview, isWebviewToHost, validateWebviewToHost, type RunHeader } from '../../src/protocol/webview';
import { transcript } from './fixtures/fakeRun';

const header: RunHeader = {
  runDir: '/w/runs/a',
  name: 'a',
  status: 'running',
  step: 3,
  totalSteps: 10,
  startedAt: null,
  updatedAt: null,
  etaSeconds: null,
  executionProvider: 'cpu',
  message: null,
  config: [{ pointer: '/seed', value: '0' }],
};

test('webview -> host: the four message types and their fields', () => {
  assert.equal(isWebviewToHost({ type: 'ready', runDir: '/w/runs/a' }), true);
  assert.equal(isWebviewToHost({ type: 'openSource', runDir: '/r', file: 'data/x.jsonl', line: 3 }), true);
  assert.equal(isWebviewToHost({ type: 'openConfig', runDir: '/r', pointer: '/training/ppo/lr' }), true);
  assert.equal(isWebviewToHost({ type: 'annotate', runDir: '/r' }), true);
  assert.equal(isWebviewToHost({ type: 'annotate', runDir: '/r', key: 'train/3/q/0' }), true);
  for (const bad of [
    null,
    'ready',
    [],
    { type: 'ready' },
    { type: 'ready', runDir: '' },
    { type: 'openSource', runDir: '/r', file: 'x', line: 0 },
    { type: 'openSource', runDir: '/r', file: 'x', line: 1.5 },
    { type: 'openSource', runDir: '/r', file: 'a\0b', line: 1 },
    { type: 'openSource', runDir: '/r', file: 'x'.repeat(5000), line: 1 },
    { type: 'openConfig', runDir: '/r', pointer: 'no-slash' },
    { type: 'writeFile', runDir: '/r', file: '/etc/passwd' },
    { type: 'annotate', runDir: '/r', key: '' },
    { type: 'annotate', runDir: '/r', key: 3 },
  ])
    assert.equal(isWebviewToHost(bad), false, JSON.stringify(bad)?.slice(0, 80));
  assert.equal(
    validateWebviewToHost({ type: 'openSource', runDir: '/r', file: 'x', line: 0 }),
    'line: expected an integer >= 1, got 0',
  );
  assert.equal(validateWebviewToHost({ type: 'toString', runDir: '/r' }), 'type: unknown message type "toString"');
  // A type whose String() throws (fuzz seed 938639) is refused by its kind, not by converting it.
  const hostile = { type: { toString: null }, runDir: 0 };
  assert.equal(validateWebviewToHost(hostile), 'type: unknown message type (object)');
  assert.equal(describeMessage(hostile), 'message of type (object)');
});

test('host -> webview: snapshots and appends with valid records only', () => {
  const t = transcript(1, 1, 3, 2);
  const metrics = [{ step: 1, reward: 0.5, verifier: [0.4, null], kl: null }];
  assert.equal(
    isHostToWebview({
      type: 'snapshot',
      header,
      metrics,
      evalMetrics: [{ step: 0, majorityAccuracy: [0.5, 0.75] }],
      transcripts: [t],
    }),
    true,
  );
  assert.equal(isHostToWebview({ type: 'append', header, metrics: [], evalMetrics: [], transcripts: [] }), true);
  assert.equal(
    isHostToWebview({ type: 'append', header: { ...header, status: 'exploded' }, metrics: [], evalMetrics: [], transcripts: [] }),
    false,
  );
  const labels = { total: 3, notes: 1, annotators: 2, byLabel: [{ label: 'persuasive', count: 3 }] };
  assert.equal(
    isHostToWebview({ type: 'append', header: { ...header, labels }, metrics: [], evalMetrics: [], transcripts: [] }),
    true,
  );
  assert.equal(
    isHostToWebview({
      type: 'append',
      header: { ...header, labels: { ...labels, byLabel: [{ label: 1 }] } },
      metrics: [],
      evalMetrics: [],
      transcripts: [],
    }),
    false,
  );
  assert.equal(
    isHostToWebview({ type: 'append', header, metrics: [], evalMetrics: [], transcripts: [{ ...t, sample: -1 }] }),
    false,
  );
  assert.equal(isHostToWebview({ type: 'append', header, metrics: [{ step: '1' }], evalMetrics: [], transcripts: [] }), false);
  assert.equal(
    isHostToWebview({ type: 'append', header, metrics: [{ step: 1, reward: 'high' }], evalMetrics: [], transcripts: [] }),
    false,
  );
  assert.equal(
    isHostToWebview({ type: 'append', header, metrics: [], evalMetrics: [], transcripts: [{ ...t, turns: [[{ agent: 0 }]] }] }),
    false,
  );
  assert.equal(
    isHostToWebview({
      type: 'append',
      header,
      metrics: [],
      evalMetrics: [],
      transcripts: [{ ...t, source: { file: 'x', line: 0 } }],
    }),
    false,
  );
  assert.equal(isHostToWebview({ type: 'append', header, metrics: [], transcripts: [] }), false, 'evalMetrics missing');
  assert.equal(isHostToWebview({ type: 'eval', header, metrics: [], evalMetrics: [], transcripts: [] }), false);
});

test('a rejected message is described in one short line, never dumped', () => {
  assert.equal(describeMessage(null), 'non-object message (null)');
  assert.equal(describeMessage({ type: 'x'.repeat(500), payload: 'y'.repeat(10000) }).length < 100, true);
});
