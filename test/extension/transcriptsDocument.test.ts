// The transcripts editor's document: a large file shows after a bounded first read and is indexed in
// steps; a live run's appended discussions arrive, the transcripts file is never written; another
// window's save of annotations.jsonl shows up; a document that may not be shown reads nothing.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { FIRST_READ_BYTES, TranscriptsDocument, type Appended } from '../../src/extension/annotations/transcriptsDocument';
import { transcript } from './fixtures/fakeRun';

const uri = (fsPath: string) => ({ fsPath }) as vscode.Uri;
const line = (step: number, k = step) => `${JSON.stringify(transcript(step, k, 3, 2))}\n`;

function run(lines: number) {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-doc-'));
  const path = join(dir, 'transcripts.jsonl');
  writeFileSync(path, Array.from({ length: lines }, (_, i) => line(i + 1)).join(''));
  return { dir, path };
}

function open(path: string, backup?: string) {
  const doc = new TranscriptsDocument(uri(path), null, { pollMs: 60_000, backup, now: () => '2026-01-01T00:00:00.000Z' });
  const appended: Appended[] = [];
  doc.onDidAppend.event((a) => appended.push(a));
  return { doc, appended };
}

test('a live run: appended discussions arrive in order; the transcripts file is never written', () => {
  const { path } = run(3);
  const { doc, appended } = open(path);
  try {
    assert.equal(doc.isComplete, true);
    assert.equal(doc.index.entries.length, 3);
    const before = readFileSync(path, 'utf8');
    doc.model.toggleLabel(doc.index.entries[0], {}, 'persuasive', 'ann');
    appendFileSync(path, line(4) + line(5).slice(0, 30));
    doc.tick();
    assert.deepEqual(
      appended.at(-1)?.entries.map((e) => e.step),
      [4],
    );
    appendFileSync(path, line(5).slice(30));
    doc.tick();
    assert.deepEqual(
      appended.at(-1)?.entries.map((e) => e.step),
      [5],
    );
    assert.ok(readFileSync(path, 'utf8').startsWith(before), 'only appended to, by the run');
  } finally {
    doc.dispose();
  }
});

test('once following, the document picks up growth on its own', async () => {
  const { path } = run(1);
  const doc = new TranscriptsDocument(uri(path), null, { pollMs: 10 });
  const appended: Appended[] = [];
  doc.onDidAppend.event((a) => appended.push(a));
  try {
    appendFileSync(path, line(2));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(appended.length, 0, 'not before follow()');
    doc.follow();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      appended.flatMap((a) => a.entries.map((e) => e.step)),
      [2],
    );
  } finally {
    doc.dispose();
  }
});

test('a large file: the first read is bounded, the rest comes in steps', () => {
  const { path } = run(Math.ceil((3 * FIRST_READ_BYTES) / line(1).length));
  const { doc, appended } = open(path);
  try {
    assert.equal(doc.isComplete, false);
    assert.ok(doc.index.bytesRead <= FIRST_READ_BYTES && doc.index.bytesRead > FIRST_READ_BYTES / 2);
    while (!doc.isComplete) doc.tick();
    assert.equal(doc.index.bytesRead, statSync(path).size);
    assert.equal(appended.at(-1)?.complete, true);
  } finally {
    doc.dispose();
  }
});

test("another window's save shows up after the file is indexed; a backup restores unsaved labels", async () => {
  const { dir, path } = run(2);
  const a = open(path),
    b = open(path);
  try {
    const d = a.doc.index.entries[1];
    a.doc.model.toggleLabel(d, { turn: 1, agent: 2 }, 'stubborn', 'ann');
    await a.doc.model.save();
    b.doc.tick();
    assert.deepEqual(
      b.doc.model.annotations().map((x) => x.label),
      ['stubborn'],
    );
    b.doc.model.toggleLabel(d, {}, 'corrective', 'bob');
    const restored = open(path, b.doc.model.backup());
    assert.deepEqual(
      restored.doc.model
        .annotations()
        .map((x) => x.label)
        .sort(),
      ['corrective', 'stubborn'],
    );
    restored.doc.dispose();
    assert.deepEqual(
      readFileSync(join(dir, 'annotations.jsonl'), 'utf8').split('\n').filter(Boolean).length,
      1,
      'nothing saved by the backup',
    );
  } finally {
    a.doc.dispose();
    b.doc.dispose();
  }
});

test('a document that may not be shown reads nothing and cannot be edited', () => {
  const { path } = run(2);
  writeFileSync(
    join(path, '..', 'annotations.jsonl'),
    `${JSON.stringify({ transcript: 'x', step: 1, split: 'train', label: 'a', annotator: 'b', time: '2026-01-01T00:00:00Z' })}\n`,
  );
  const doc = new TranscriptsDocument(uri(path), 'outside the workspace', { pollMs: 60_000 });
  try {
    doc.tick();
    assert.equal(doc.editable, false);
    assert.equal(doc.index.entries.length, 0);
    assert.equal(doc.model.annotations().length, 0);
  } finally {
    doc.dispose();
  }
});
