// annotations.jsonl on disk: saving merges with what other writers saved since we loaded (no label
// lost, even with two processes saving at once), writes atomically (no temp or lock file left), keeps
// broken lines; transcripts.jsonl is streamed with broken lines reported by number and skipped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAnnotatedRun, readAnnotationsFile, readTranscripts, saveAnnotations } from '../../../src/engine/annotations/store';
import { fakeRun, label, transcript } from './fakeRun';

const labelsOf = (dir: string) =>
  readAnnotationsFile(dir)
    .annotations.map((a) => `${a.annotator}:${a.step}:${a.label}`)
    .sort();

test("a save applies our changes on top of a concurrent writer's, and leaves only the file behind", () => {
  const dir = fakeRun([], [label('q', 1, 0, 'stubborn'), label('q', 2, 0, 'stubborn')]);
  try {
    const base = readAnnotationsFile(dir).annotations; // we load
    const theirs = readAnnotationsFile(dir).annotations; // so does another window, and saves first
    saveAnnotations(dir, theirs, { annotations: [...theirs, label('q', 3, 0, 'corrective', 'bob')], broken: [] });
    // We add one label and remove another; bob's label survives.
    saveAnnotations(dir, base, { annotations: [base[0], label('q', 4, 0, 'persuasive')], broken: [] });
    assert.deepEqual(labelsOf(dir), ['ann:1:stubborn', 'ann:4:persuasive', 'bob:3:corrective']);
    assert.deepEqual(readdirSync(dir).sort(), ['annotations.jsonl', 'transcripts.jsonl']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('broken lines of the file stay in it across saves', () => {
  const dir = fakeRun([], [label('q', 1, 0, 'stubborn')]);
  try {
    appendFileSync(join(dir, 'annotations.jsonl'), '{"transcript": 3}\n');
    const loaded = readAnnotationsFile(dir);
    assert.deepEqual(
      loaded.broken.map((b) => b.line),
      [2],
    );
    saveAnnotations(dir, loaded.annotations, {
      annotations: [...loaded.annotations, label('q', 2, 0, 'x')],
      broken: loaded.broken,
    });
    const text = readFileSync(join(dir, 'annotations.jsonl'), 'utf8');
    assert.equal(text.split('\n').filter((l) => l === '{"transcript": 3}').length, 1, text);
    assert.equal(readAnnotationsFile(dir).annotations.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two processes saving at once lose no label', async () => {
  const dir = fakeRun([], []);
  try {
    const n = 60,
      startAt = Date.now() + 4000;
    const worker = (name: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(__dirname, 'saveWorker.ts'), dir, name, String(n), String(startAt)],
          { stdio: 'inherit' },
        );
        child.on('close', resolve);
      });
    assert.deepEqual(await Promise.all([worker('a'), worker('b')]), [0, 0]);
    const all = readAnnotationsFile(dir).annotations;
    assert.equal(all.filter((a) => a.annotator === 'a').length, n);
    assert.equal(all.filter((a) => a.annotator === 'b').length, n);
    assert.deepEqual(readdirSync(dir).sort(), ['annotations.jsonl', 'transcripts.jsonl']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock of a crashed writer is taken over', () => {
  const dir = fakeRun([], []);
  try {
    const lock = join(dir, 'annotations.jsonl.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    saveAnnotations(dir, [], { annotations: [label('q', 1, 0, 'x')], broken: [] });
    assert.equal(readAnnotationsFile(dir).annotations.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('transcripts are streamed; broken lines are reported with their number and skipped', async () => {
  const good = transcript('q1', 0, [[0.9, true]]);
  const dir = fakeRun(
    [good],
    [label('q1', 0, 0, 'x'), label('q9', 0, 0, 'y')],
    [
      'not json',
      JSON.stringify({ ...good, id: 'q2', turns: [] }),
      JSON.stringify(transcript('q3', 0, [[0.1, false]])),
      '{"id": "q4", "st',
    ],
  );
  try {
    const all = await readTranscripts(dir);
    assert.deepEqual([...all.byKey.keys()], ['train/0/q1/0', 'train/0/q3/0']);
    assert.deepEqual(all.problems, [
      { line: 2, problem: 'not JSON' },
      { line: 3, problem: 'turns: expected at least one turn' },
      { line: 5, problem: 'not JSON' },
    ]);
    const run = await readAnnotatedRun(dir);
    assert.deepEqual([...run.transcripts.keys()], ['train/0/q1/0'], 'only the annotated discussions are kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
