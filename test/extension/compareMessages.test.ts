// Messages of the comparison panel: the page's are checked field by field and name no path (a side
// by index, a comparison by its hex key, a question source by the host's id), so a malformed or
// unknown one is dropped; the host's are checked too before the page uses them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareHtml } from '../../src/extension/compare/compareHtml';
import {
  isCompareToHost,
  isHostToCompare,
  validateCompareToHost,
  validateHostToCompare,
  type CompareInitMessage,
} from '../../src/protocol/compareView';
import { fakeComparison } from './fixtures/fakeComparison';
import { transcript } from './fixtures/fakeRun';

test('page -> host: each message type with valid fields', () => {
  for (const ok of [
    { type: 'ready' },
    { type: 'run', source: 'task:arith', questions: 100, seed: 0 },
    { type: 'run', source: 'data:0', questions: 1, seed: 4294967295 },
    { type: 'cancel' },
    { type: 'showSaved', key: '6f2fb0094683cd51' },
    { type: 'showDiscussion', key: 'abc', line: 3 },
    { type: 'openTranscripts', key: 'abc', line: 1 },
    { type: 'openConfig', side: 1, pointer: '/training/ppo/lr' },
    { type: 'openConfig', side: 0, pointer: '' },
  ])
    assert.equal(validateCompareToHost(ok), null, JSON.stringify(ok));
});

test('page -> host: malformed, out of range, path-like and unknown messages are rejected', () => {
  for (const bad of [
    null,
    'ready',
    [],
    {},
    { type: 'exec', command: 'rm -rf /' },
    { type: 'toString' },
    { type: '__proto__' },
    { type: 'run', source: 'task:arith', questions: 0, seed: 0 },
    { type: 'run', source: 'task:arith', questions: 100_001, seed: 0 },
    { type: 'run', source: 'task:arith', questions: 1.5, seed: 0 },
    { type: 'run', source: 'task:arith', questions: 10, seed: -1 },
    { type: 'run', source: 'task:arith', questions: 10, seed: 2 ** 32 },
    { type: 'run', source: '/etc/passwd', questions: 10, seed: 0 },
    { type: 'run', source: 'data:../../x', questions: 10, seed: 0 },
    { type: 'run', questions: 10, seed: 0 },
    { type: 'showSaved', key: '../other' },
    { type: 'showSaved', key: 'ABC' },
    { type: 'showDiscussion', key: 'abc', line: 0 },
    { type: 'showDiscussion', key: 'abc', line: '3' },
    { type: 'openTranscripts', key: 'abc/../../x', line: 1 },
    { type: 'openConfig', side: -1, pointer: '/a' },
    { type: 'openConfig', side: 0, pointer: 'no-slash' },
  ])
    assert.equal(isCompareToHost(bad), false, JSON.stringify(bad));
  assert.match(validateCompareToHost({ type: 'run', source: 'task:arith', questions: 0, seed: 0 }) ?? '', /^questions: /);
  assert.match(validateCompareToHost({ type: 'nope' }) ?? '', /unknown message type "nope"/);
});

test('host -> page: init, job, result and discussion are checked, including the result and the records', () => {
  const sides = [
    { path: '/w/runs/r/checkpoints/step-000001', runDir: '/w/runs/r', run: 'r', step: 1, label: 'r · step 1' },
    { path: '/w/runs/r/checkpoints/step-000002', runDir: '/w/runs/r', run: 'r', step: 2, label: 'r · step 2' },
  ];
  const result = fakeComparison(sides.map((s) => ({ path: s.path, runDir: s.runDir, step: s.step })));
  const init: CompareInitMessage = {
    type: 'init',
    sides,
    configDiff: [{ key: 'seed', pointer: '/seed', values: ['0', null] }],
    curves: [
      { runDir: '/w/runs/r', run: 'r', train: [{ step: 1, reward: 0.5, majority: [0.5, null] }], eval: [], sideSteps: [1, 2] },
    ],
    sources: [{ id: 'task:arith', label: 'arith' }],
    defaults: { source: 'task:arith', questions: 100, seed: 0 },
    saved: [{ key: 'abc123', createdAt: result.createdAt, task: 'arith', data: null, questions: 3, seed: 0 }],
    result,
    job: { phase: 'running', side: 0, sides: 2, message: 'evaluating side 0', startedAt: result.createdAt },
    canRun: true,
    problems: [],
  };
  assert.equal(validateHostToCompare(init), null);
  assert.equal(isHostToCompare({ ...init, result: null, job: null }), true);
  assert.equal(isHostToCompare({ ...init, result: { ...result, version: 2 } }), false);
  assert.equal(
    isHostToCompare({ ...init, curves: [{ ...init.curves[0], train: [{ step: 1, reward: 'high', majority: [] }] }] }),
    false,
  );
  assert.equal(isHostToCompare({ ...init, job: { ...init.job, phase: 'exploding' } }), false);
  assert.equal(isHostToCompare({ type: 'job', job: null, outcome: { ok: false, message: 'cancelled' } }), true);
  assert.equal(isHostToCompare({ type: 'result', result, saved: [] }), true);
  const record = { ...transcript(1, 0, 2, 2), split: 'eval' };
  assert.equal(isHostToCompare({ type: 'discussion', key: 'abc123', line: 1, records: [record, null] }), true);
  assert.equal(isHostToCompare({ type: 'discussion', key: 'abc123', line: 1, records: [{ ...record, turns: [] }] }), false);
  assert.equal(isHostToCompare({ type: 'snapshot' }), false);
});

test('the page: strict CSP with a nonce, its own script and style, no data inline', () => {
  const html = compareHtml({
    cspSource: 'vscode-resource:',
    scriptUri: 'vscode-resource:/dist/webview/compare.js',
    styleUri: 'vscode-resource:/dist/webview/compare.css',
    title: 'Compare: <a> vs b',
    nonce: 'n0nce',
  });
  assert.match(html, /default-src &#39;none&#39;; script-src &#39;nonce-n0nce&#39;; style-src vscode-resource:;/);
  assert.match(html, /<script nonce="n0nce" src="vscode-resource:\/dist\/webview\/compare.js"><\/script>/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval|<style/);
  assert.match(html, /<title>Compare: &lt;a&gt; vs b<\/title>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});
