// The transcripts editor's document model: labels and notes as undoable edits, a save that merges with
// another writer's save and writes atomically (broken lines kept), revert, hot-exit backup and restore,
// and rebasing unsaved edits when another window saves.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { type Annotation, parseAnnotations, serializeAnnotations } from '../../src/protocol/annotations';
import { AnnotationModel, type AnnotationEdit } from '../../src/extension/annotations/annotationModel';

const d1 = { id: 'q1', step: 3, split: 'train' as const, sample: 0 };
const d2 = { id: 'q2', step: 3, split: 'eval' as const, sample: 1 };
const clock = () => '2026-05-01T10:00:00.000Z';

function setup(initial = '') {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-annot-'));
  const path = join(dir, 'annotations.jsonl');
  if (initial) writeFileSync(path, initial);
  const model = AnnotationModel.load(dir, clock);
  const edits: AnnotationEdit[] = [];
  model.onDidEdit.event((e) => edits.push(e));
  return { dir, path, model, edits };
}
const labels = (m: AnnotationModel) =>
  m
    .annotations()
    .map((a) => `${a.annotator}:${a.transcript}/${a.turn ?? '*'}/${a.agent ?? '*'}=${a.label ?? `#${a.note}`}`)
    .sort();
const onDisk = (path: string) => parseAnnotations(readFileSync(path, 'utf8'));

test('a label toggles on and off, each an edit with its own undo and redo', () => {
  const { model, edits } = setup();
  model.toggleLabel(d1, { turn: 1, agent: 2 }, 'persuasive', 'ann');
  model.toggleLabel(d1, {}, 'stubborn', 'ann');
  assert.deepEqual(labels(model), ['ann:q1/*/*=stubborn', 'ann:q1/1/2=persuasive']);
  model.toggleLabel(d1, {}, 'stubborn', 'ann');
  assert.deepEqual(labels(model), ['ann:q1/1/2=persuasive']);
  assert.deepEqual(
    edits.map((e) => e.label),
    ['Add label "persuasive"', 'Add label "stubborn"', 'Remove label "stubborn"'],
  );
  edits[2].undo();
  assert.deepEqual(labels(model), ['ann:q1/*/*=stubborn', 'ann:q1/1/2=persuasive']);
  edits[1].undo();
  edits[0].undo();
  assert.deepEqual(labels(model), []);
  edits[0].redo();
  assert.deepEqual(labels(model), ['ann:q1/1/2=persuasive']);
  assert.equal(edits.length, 3, 'undo and redo are not new edits');
});

test('a note is one record per annotator and target; an empty note removes it', () => {
  const { model, edits } = setup();
  model.setNote(d2, { turn: 0, agent: 1 }, '  copies agent 0  ', 'ann');
  model.setNote(d2, { turn: 0, agent: 1 }, 'copies agent 0', 'ann');
  assert.equal(edits.length, 1, 'the same note again is no edit');
  model.setNote(d2, { turn: 0, agent: 1 }, 'copies agent 0, then recovers', 'ann');
  assert.deepEqual(labels(model), ['ann:q2/0/1=#copies agent 0, then recovers']);
  assert.equal(model.annotations()[0].sample, 1);
  edits[1].undo();
  assert.deepEqual(labels(model), ['ann:q2/0/1=#copies agent 0']);
  model.setNote(d2, { turn: 0, agent: 1 }, '', 'ann');
  assert.deepEqual(labels(model), []);
});

test('save writes the set atomically, keeps broken lines, and merges with a concurrent writer', async () => {
  const theirs: Annotation = { transcript: 'q9', step: 1, split: 'train', label: 'corrective', annotator: 'bob', time: clock() };
  const { dir, path, model } = setup(`${JSON.stringify(theirs)}\nthis line is broken\n`);
  assert.deepEqual(model.problems(), [{ file: 'annotations', line: 2, problem: 'not JSON' }]);
  model.toggleLabel(d1, { turn: 0, agent: 0 }, 'sycophantic', 'ann');
  // Another window saves a label meanwhile, and removes bob's.
  const other: Annotation = {
    transcript: 'q1',
    step: 3,
    split: 'train',
    label: 'hallucinated',
    annotator: 'carol',
    time: clock(),
  };
  writeFileSync(
    path,
    serializeAnnotations({ annotations: [other], broken: [{ line: 2, text: 'this line is broken', problem: 'not JSON' }] }),
  );
  await model.save();
  const saved = onDisk(path);
  assert.deepEqual(saved.annotations.map((a) => `${a.annotator}=${a.label}`).sort(), ['ann=sycophantic', 'carol=hallucinated']);
  assert.deepEqual(
    saved.broken.map((b) => b.text),
    ['this line is broken'],
    'the broken line is written back, once',
  );
  assert.deepEqual(labels(model), ['ann:q1/0/0=sycophantic', 'carol:q1/*/*=hallucinated'], 'the editor shows the merged set');
  assert.deepEqual(readdirSync(dir).sort(), ['annotations.jsonl'], 'no temporary or lock file left');
});

test('two models on one file (two windows) never lose a label', async () => {
  const { path, model: a } = setup();
  const b = AnnotationModel.load(dirname(path), clock);
  a.toggleLabel(d1, {}, 'persuasive', 'ann');
  b.toggleLabel(d2, { turn: 1, agent: 0 }, 'stubborn', 'bob');
  await Promise.all([a.save(), b.save()]);
  assert.deepEqual(
    onDisk(path)
      .annotations.map((x) => x.label)
      .sort(),
    ['persuasive', 'stubborn'],
  );
  // b removes its label and saves; a, which never saw it, saves again: the removal stands.
  a.syncWithDisk();
  b.toggleLabel(d2, { turn: 1, agent: 0 }, 'stubborn', 'bob');
  await b.save();
  a.toggleLabel(d1, {}, 'verifier-wrong', 'ann');
  await a.save();
  assert.deepEqual(
    onDisk(path)
      .annotations.map((x) => x.label)
      .sort(),
    ['persuasive', 'verifier-wrong'],
  );
});

test('a lock left by a crashed writer is taken over', async () => {
  const { dir, path, model } = setup();
  const lock = `${path}.lock`;
  writeFileSync(lock, '');
  utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  model.toggleLabel(d1, {}, 'persuasive', 'ann');
  await model.save();
  assert.equal(onDisk(path).annotations.length, 1);
  assert.deepEqual(readdirSync(dir), ['annotations.jsonl']);
});

test("revert drops unsaved edits; another writer's save is rebased under unsaved edits", () => {
  const { path, model } = setup();
  model.toggleLabel(d1, {}, 'persuasive', 'ann');
  model.revert();
  assert.deepEqual(labels(model), []);
  model.toggleLabel(d1, {}, 'stubborn', 'ann');
  appendFileSync(
    path,
    `${JSON.stringify({ transcript: 'q2', step: 3, split: 'eval', sample: 1, label: 'corrective', annotator: 'bob', time: clock() })}\n`,
  );
  assert.equal(model.syncWithDisk(), true);
  assert.equal(model.syncWithDisk(), false, 'nothing new');
  assert.deepEqual(labels(model), ['ann:q1/*/*=stubborn', 'bob:q2/*/*=corrective']);
  model.revert();
  assert.deepEqual(labels(model), ['bob:q2/*/*=corrective']);
});

test('hot exit: a backup brings unsaved edits back, onto what was saved meanwhile', async () => {
  const { path, model } = setup();
  model.toggleLabel(d1, {}, 'persuasive', 'ann');
  await model.save();
  model.toggleLabel(d1, {}, 'persuasive', 'ann'); // unsaved removal
  model.toggleLabel(d2, { turn: 0, agent: 0 }, 'hallucinated', 'ann'); // unsaved addition
  const backup = model.backup();
  appendFileSync(
    path,
    `${JSON.stringify({ transcript: 'q5', step: 1, split: 'train', label: 'stubborn', annotator: 'bob', time: clock() })}\n`,
  );
  const restored = AnnotationModel.restore(dirname(path), backup, clock);
  assert.deepEqual(labels(restored), ['ann:q2/0/0=hallucinated', 'bob:q5/*/*=stubborn']);
  await restored.save();
  assert.deepEqual(
    onDisk(path)
      .annotations.map((a) => a.label)
      .sort(),
    ['hallucinated', 'stubborn'],
  );
  assert.deepEqual(
    labels(AnnotationModel.restore(dirname(path), 'not a backup', clock)),
    ['ann:q2/0/0=hallucinated', 'bob:q5/*/*=stubborn'],
    'a bad backup gives the saved set',
  );
});

test("save as: the merged text, the run's file left alone", () => {
  const { path, model } = setup();
  model.toggleLabel(d1, {}, 'persuasive', 'ann');
  assert.equal(model.hasLabel(d1, {}, 'persuasive', 'ann'), true);
  assert.equal(model.hasLabel(d1, {}, 'persuasive', 'bob'), false);
  assert.equal(parseAnnotations(model.mergedText()).annotations.length, 1);
  assert.equal(existsSync(path), false);
});
