// annotations.jsonl model: validation, parsing with broken lines kept, stable serialisation and
// the three-way merge that lets two writers annotate one run without losing labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  annotationKey,
  type Annotation,
  isAnnotation,
  mergeAnnotations,
  parseAnnotations,
  serializeAnnotations,
  validateAnnotation,
} from '../../src/protocol/annotations';

const time = '2026-01-02T03:04:05.000Z';
const on = (label: string | undefined, extra: Partial<Annotation> = {}): Annotation => ({
  transcript: 'arith-test-3',
  step: 10,
  split: 'eval',
  turn: 1,
  agent: 0,
  ...(label ? { label } : {}),
  annotator: 'ann',
  time,
  ...extra,
});

test('annotations need a label or a note, and a turn for an agent', () => {
  assert.equal(validateAnnotation(on('persuasive')), null);
  assert.ok(isAnnotation(on(undefined, { note: 'odd' })));
  assert.equal(validateAnnotation(on(undefined)), '$: an annotation needs a label or a note');
  assert.equal(validateAnnotation({ ...on('x'), turn: undefined }), '$: an agent needs a turn');
  assert.equal(validateAnnotation({ ...on('x'), turn: -1 }), 'turn: expected an integer >= 0, got -1');
  assert.equal(validateAnnotation({ ...on('x'), split: 'test' }), 'split: expected one of train|eval, got "test"');
  assert.equal(validateAnnotation({ ...on('x'), time: 'yesterday' }), 'time: expected an ISO 8601 time string');
});

test('a record is one label of one annotator on one target; sample 0 and an absent sample are the same', () => {
  assert.equal(annotationKey(on('a')), annotationKey(on('a', { time: '2027-01-01T00:00:00Z', note: 'x' })));
  assert.notEqual(annotationKey(on('a')), annotationKey(on('b')));
  assert.notEqual(annotationKey(on('a')), annotationKey(on('a', { annotator: 'other' })));
  assert.notEqual(annotationKey(on('a')), annotationKey(on('a', { agent: 1 })));
  assert.notEqual(annotationKey(on('a')), annotationKey(on('a', { step: 11 })));
  assert.equal(annotationKey(on('a')), annotationKey(on('a', { sample: 0 })));
  assert.notEqual(annotationKey(on('a')), annotationKey(on('a', { sample: 1 })));
  assert.notEqual(annotationKey(on(undefined, { note: 'n' })), annotationKey(on('a', { note: 'n' })));
});

test('broken lines are reported with their line number, skipped, and written back verbatim', () => {
  const good = JSON.stringify(on('persuasive'));
  const text = `${good}\n{"transcript": 3}\n\nnot json\n${JSON.stringify(on('stubborn'))}\n{"transcr`;
  const file = parseAnnotations(text);
  assert.equal(file.annotations.length, 2);
  assert.deepEqual(
    file.broken.map((b) => [b.line, b.problem]),
    [
      [2, 'transcript: expected a string, got number'],
      [4, 'not JSON'],
      [6, 'not JSON (truncated last line?)'],
    ],
  );
  const again = parseAnnotations(serializeAnnotations(file));
  assert.deepEqual(
    again.annotations,
    file.annotations.sort((a, b) => (a.label! < b.label! ? -1 : 1)),
  );
  assert.deepEqual(
    again.broken.map((b) => b.text),
    ['{"transcript": 3}', 'not json', '{"transcr'],
  );
});

test('serialisation is stable: same set, same text, whatever the order', () => {
  const a = [on('a'), on('b', { agent: 2 }), on(undefined, { note: 'hm', turn: undefined, agent: undefined })];
  const one = serializeAnnotations({ annotations: a, broken: [] });
  assert.equal(serializeAnnotations({ annotations: [...a].reverse(), broken: [] }), one);
  assert.equal(serializeAnnotations({ annotations: [], broken: [] }), '');
  assert.ok(!one.includes('"sample"'));
});

test('merge applies our additions, edits and removals on top of what another writer saved', () => {
  const base = [on('keep'), on('drop'), on('edit')];
  const ours = { annotations: [on('keep'), on('edit', { note: 'ours' }), on('mine')], broken: [] };
  const theirs = { annotations: [on('keep'), on('drop'), on('edit'), on('theirs', { annotator: 'bob' })], broken: [] };
  const merged = mergeAnnotations(base, ours, theirs);
  const labels = merged.annotations.map((a) => `${a.label}:${a.annotator}:${a.note ?? ''}`).sort();
  assert.deepEqual(labels, ['edit:ann:ours', 'keep:ann:', 'mine:ann:', 'theirs:bob:']);
});

test('merge keeps a label the other writer added even when we removed a different one, and their removals of what we did not touch', () => {
  const base = [on('a'), on('b')];
  const ours = { annotations: [on('a')], broken: [] }; // we removed b
  const theirs = { annotations: [on('b'), on('c')], broken: [{ line: 3, text: 'junk', problem: 'not JSON' }] }; // they removed a, added c
  const merged = mergeAnnotations(base, ours, theirs);
  assert.deepEqual(merged.annotations.map((a) => a.label).sort(), ['c']);
  assert.deepEqual(
    merged.broken.map((b) => b.text),
    ['junk'],
  );
});
