// The transcripts editor's messages: well-formed ones pass both ways, malformed or unknown ones are
// rejected (neither side acts on them); the index summary of a record and the change/disagreement marks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptRecord } from '../../src/protocol/runRecords';
import {
  answerChangedAt,
  describeTarget,
  isHostToTranscripts,
  isTranscriptsToHost,
  MAX_FETCH,
  MAX_NOTE,
  summarizeDiscussion,
  verifierDisagrees,
} from '../../src/protocol/transcriptsEditor';
import { transcript } from '../extension/fixtures/fakeRun';

const record = transcript(4, 2, 3, 3) as unknown as TranscriptRecord;
const summary = summarizeDiscussion(record, 7);

test('webview -> host: ready, fetch, toggleLabel, setNote and their limits', () => {
  for (const ok of [
    { type: 'ready' },
    { type: 'fetch', keys: ['train/4/t-4-2/0'] },
    { type: 'toggleLabel', target: { key: 'k' }, label: 'persuasive' },
    { type: 'toggleLabel', target: { key: 'k', turn: 1, agent: 0 }, label: 'stubborn' },
    { type: 'setNote', target: { key: 'k', turn: 2 }, note: '' },
  ])
    assert.equal(isTranscriptsToHost(ok), true, JSON.stringify(ok));
  for (const bad of [
    null,
    [],
    'ready',
    { type: 'save' },
    { type: 'writeFile', path: '/etc/passwd' },
    { type: 'fetch', keys: [] },
    { type: 'fetch', keys: Array(MAX_FETCH + 1).fill('k') },
    { type: 'fetch', keys: [''] },
    { type: 'fetch', keys: [3] },
    { type: 'toggleLabel', target: { key: 'k' }, label: '  ' },
    { type: 'toggleLabel', target: { key: 'k', agent: 1 }, label: 'x' },
    { type: 'toggleLabel', target: { key: 'k', turn: -1 }, label: 'x' },
    { type: 'toggleLabel', target: { key: 'k', turn: 0.5 }, label: 'x' },
    { type: 'toggleLabel', target: { key: 'x'.repeat(2000) }, label: 'x' },
    { type: 'toggleLabel', target: 'k', label: 'x' },
    { type: 'setNote', target: { key: 'k' }, note: 'x'.repeat(MAX_NOTE + 1) },
    { type: 'setNote', target: { key: 'k' } },
  ])
    assert.equal(isTranscriptsToHost(bad), false, JSON.stringify(bad)?.slice(0, 80));
});

test('host -> webview: every message type, and records or entries that do not fit are rejected', () => {
  const init = {
    type: 'init',
    file: '/w/runs/a/transcripts.jsonl',
    labels: ['a'],
    annotator: 'ann',
    entries: [summary],
    annotations: [],
    problems: [{ file: 'transcripts', line: 3, problem: 'not JSON' }],
    agreement: [],
    error: null,
    complete: true,
  };
  assert.equal(isHostToTranscripts(init), true);
  assert.equal(isHostToTranscripts({ ...init, complete: undefined }), false);
  assert.equal(isHostToTranscripts({ ...init, entries: [{ ...summary, turns: 0 }] }), false);
  assert.equal(isHostToTranscripts({ ...init, annotations: [{ transcript: 'x' }] }), false);
  assert.equal(isHostToTranscripts({ ...init, problems: [{ file: 'events', line: 1, problem: 'x' }] }), false);
  assert.equal(isHostToTranscripts({ type: 'entries', entries: [summary], problems: [], complete: false }), true);
  assert.equal(isHostToTranscripts({ type: 'records', records: [record] }), true);
  assert.equal(isHostToTranscripts({ type: 'records', records: [{ ...record, turns: [] }] }), false);
  assert.equal(
    isHostToTranscripts({
      type: 'annotations',
      annotations: [{ transcript: 'q', step: 1, split: 'eval', label: 'a', annotator: 'b', time: '2026-01-01T00:00:00Z' }],
      problems: [],
      agreement: [{ label: 'a', kappa: -0.2, pairs: [{ annotators: ['b', 'c'], kappa: -0.2, items: 4 }] }],
    }),
    true,
  );
  assert.equal(isHostToTranscripts({ type: 'config', labels: ['a', 'b'], annotator: 'ann' }), true);
  assert.equal(isHostToTranscripts({ type: 'config', labels: [''], annotator: 'ann' }), false);
  assert.equal(isHostToTranscripts({ type: 'reveal', key: 'train/1/q/0' }), true);
  assert.equal(isHostToTranscripts({ type: 'snapshot' }), false);
});

test('a summary carries what filters and placeholders need', () => {
  assert.deepEqual(
    {
      key: summary.key,
      line: summary.line,
      agents: summary.agents,
      turns: summary.turns,
      sample: summary.sample,
      changed: summary.changed,
      disagree: summary.disagree,
    },
    { key: 'train/4/t-4-2/0', line: 7, agents: 3, turns: 3, sample: 0, changed: true, disagree: false },
  );
  const long = summarizeDiscussion({ ...record, question: 'q'.repeat(1000) }, 1);
  assert.ok(long.question.length <= 240);
});

test('changed answers and verifier disagreement, response by response', () => {
  const r = {
    turns: [
      [{ answer: '1' }, { answer: '2' }],
      [{ answer: '1' }, { answer: '3' }],
    ],
  } as unknown as TranscriptRecord;
  assert.deepEqual(
    [answerChangedAt(r, 0, 1), answerChangedAt(r, 1, 0), answerChangedAt(r, 1, 1), answerChangedAt(r, 2, 1)],
    [false, false, true, false],
  );
  assert.equal(verifierDisagrees({ verifier: 0.9, correct: false }), true);
  assert.equal(verifierDisagrees({ verifier: 0.2, correct: false }), false);
  assert.equal(verifierDisagrees({ verifier: 0.5, correct: true }), false);
  assert.equal(describeTarget({ key: 'train/1/q/0', turn: 1, agent: 2 }), 'train/1/q/0 turn 2 agent 2');
});
