// The dashboard's state: snapshots replace and appends extend the data; the view state (filters, hidden
// series) survives a restore and rejects garbage; transcript filters and paging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunHeader, TranscriptView } from '../../src/protocol/webview';
import {
  MAX_TRANSCRIPTS,
  PAGE_SIZE,
  answerChanged,
  applyHostMessage,
  emptyData,
  initialViewState,
  matchesFilter,
  restoreViewState,
  setFilter,
  toggleSeries,
  visibleTranscripts,
} from '../../webview/dashboard/state';
import { transcript } from '../extension/fixtures/fakeRun';

const header: RunHeader = {
  runDir: '/r',
  name: 'r',
  status: 'running',
  step: 1,
  totalSteps: null,
  startedAt: null,
  updatedAt: null,
  etaSeconds: null,
  executionProvider: null,
  message: null,
  config: [],
};
const tr = (k: number) => transcript(k, k, 3, 2) as unknown as TranscriptView;

test('a snapshot replaces everything; an append extends it', () => {
  const d = emptyData();
  applyHostMessage(d, {
    type: 'snapshot',
    header,
    metrics: [{ step: 1 }, { step: 2 }],
    evalMetrics: [{ step: 0, majorityAccuracy: [0.2, 0.3] }],
    transcripts: [tr(1)],
  });
  const c = applyHostMessage(d, { type: 'append', header, metrics: [{ step: 3 }], evalMetrics: [], transcripts: [] });
  assert.deepEqual(d.metrics.steps, [1, 2, 3]);
  assert.deepEqual(c, { header: true, metrics: true, newSeries: false, transcripts: false });
  const e = applyHostMessage(d, {
    type: 'append',
    header,
    metrics: [],
    evalMetrics: [{ step: 3, majorityAccuracy: [0.4, 0.5] }],
    transcripts: [],
  });
  assert.deepEqual(d.evalMetrics.steps, [0, 3], 'evaluations at the steps of iterations, on their own axis');
  assert.deepEqual(d.evalMetrics.columns.get('majorityAccuracy.2'), [0.3, 0.5]);
  assert.equal(e.metrics, true);
  applyHostMessage(d, { type: 'snapshot', header, metrics: [{ step: 1 }], evalMetrics: [], transcripts: [] });
  assert.deepEqual(d.metrics.steps, [1]);
  assert.deepEqual(d.evalMetrics.steps, []);
  assert.equal(d.transcripts.length, 0);
});

test('transcripts are capped at the newest MAX_TRANSCRIPTS', () => {
  const d = emptyData();
  const many = Array.from({ length: MAX_TRANSCRIPTS + 10 }, (_, k) => tr(k));
  applyHostMessage(d, { type: 'append', header, metrics: [], evalMetrics: [], transcripts: many });
  assert.equal(d.transcripts.length, MAX_TRANSCRIPTS);
  assert.equal(d.transcripts[0].id, many[10].id);
});

test('the view state round-trips and garbage falls back to defaults', () => {
  let v = initialViewState('/r');
  v = toggleSeries(v, 'kl', false);
  v = setFilter(v, { outcome: 'incorrect', changedOnly: true });
  const restored = restoreViewState(JSON.parse(JSON.stringify(v)), '/r');
  assert.deepEqual(restored, v);
  assert.deepEqual(
    restoreViewState(
      { version: 1, runDir: '/r', hiddenSeries: [3, 'kl'], filter: { outcome: 'maybe', search: 7 }, pages: -2 },
      '/r',
    ),
    { ...initialViewState('/r'), hiddenSeries: ['kl'] },
  );
  assert.deepEqual(restoreViewState('nonsense', '/x'), initialViewState('/x'));
  assert.deepEqual(toggleSeries(v, 'kl', true).hiddenSeries, []);
});

test('filters: final majority outcome, changed answers, split, search', () => {
  const t = tr(1);
  const changed = { ...t, turns: [[{ ...t.turns[0][0], answer: '1' }], [{ ...t.turns[0][0], answer: '2' }]] };
  const same = { ...t, turns: [[{ ...t.turns[0][0], answer: '1' }], [{ ...t.turns[0][0], answer: '1' }]] };
  assert.equal(answerChanged(changed), true);
  assert.equal(answerChanged(same), false);
  const f = initialViewState('/r').filter;
  assert.equal(matchesFilter({ ...t, majorityCorrect: [false, true] }, { ...f, outcome: 'correct' }), true);
  assert.equal(matchesFilter({ ...t, majorityCorrect: [true, false] }, { ...f, outcome: 'correct' }), false);
  assert.equal(matchesFilter(same, { ...f, changedOnly: true }), false);
  assert.equal(matchesFilter(t, { ...f, split: 'eval' }), false);
  assert.equal(matchesFilter(t, { ...f, search: t.question.slice(3, 10).toUpperCase() }), true);
});

test('newest first, PAGE_SIZE per page, with the count of matches', () => {
  const all = Array.from({ length: 50 }, (_, k) => tr(k));
  const v = initialViewState('/r');
  const first = visibleTranscripts(all, v);
  assert.equal(first.shown.length, PAGE_SIZE);
  assert.equal(first.matching, 50);
  assert.equal(first.shown[0].id, all[49].id);
  assert.equal(visibleTranscripts(all, { ...v, pages: 3 }).shown.length, 50);
  assert.equal(setFilter({ ...v, pages: 3 }, { search: 'x' }).pages, 1, 'a new filter starts at the first page');
});
