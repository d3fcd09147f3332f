// The follower of events.jsonl / transcripts.jsonl: complete lines only, a half-written last line is
// kept back until finished, UTF-8 split across reads, bad lines reported with file and line, restart
// when the file is rewritten shorter.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonlTail, incompleteUtf8Tail, splitCompleteLines } from '../../src/extension/runData/jsonlTail';

const tmp = () => mkdtempSync(join(tmpdir(), 'maporl-tail-'));

test('splitCompleteLines keeps the unfinished rest', () => {
  assert.deepEqual(splitCompleteLines('', 'a\nb\nc'), { lines: ['a', 'b'], rest: 'c' });
  assert.deepEqual(splitCompleteLines('c', 'd\n'), { lines: ['cd'], rest: '' });
  assert.deepEqual(splitCompleteLines('', 'no newline'), { lines: [], rest: 'no newline' });
});

test('a missing file reads as nothing yet', () => {
  const tail = new JsonlTail(join(tmp(), 'events.jsonl'));
  assert.deepEqual(tail.read().records, []);
});

test('a truncated last line is held back until the writer completes it', () => {
  const file = join(tmp(), 'events.jsonl');
  writeFileSync(file, '{"step":1}\n{"step":2}\n{"ste');
  const tail = new JsonlTail(file);
  const first = tail.read();
  assert.deepEqual(first.records, [{ step: 1 }, { step: 2 }]);
  assert.deepEqual(first.lines, [1, 2]);
  assert.deepEqual(first.problems, []);
  assert.deepEqual(tail.read().records, [], 'nothing new while the line is unfinished');
  appendFileSync(file, 'p":3}\n{"step":4}\n');
  const second = tail.read();
  assert.deepEqual(second.records, [{ step: 3 }, { step: 4 }]);
  assert.deepEqual(second.lines, [3, 4]);
});

test('a multi-byte character split between two writes is decoded once complete', () => {
  const file = join(tmp(), 't.jsonl');
  const line = Buffer.from('{"q":"3 × 4 → 12 ✓"}\n', 'utf8');
  const cut = line.indexOf(Buffer.from('×', 'utf8')) + 1; // inside the two-byte sequence
  writeFileSync(file, line.subarray(0, cut));
  const tail = new JsonlTail(file);
  assert.deepEqual(tail.read().records, []);
  appendFileSync(file, line.subarray(cut));
  assert.deepEqual(tail.read().records, [{ q: '3 × 4 → 12 ✓' }]);
});

test('incompleteUtf8Tail counts the bytes of an unfinished sequence', () => {
  const euro = Buffer.from('€', 'utf8'); // 3 bytes
  assert.equal(incompleteUtf8Tail(euro), 0);
  assert.equal(incompleteUtf8Tail(euro.subarray(0, 2)), 2);
  assert.equal(incompleteUtf8Tail(euro.subarray(0, 1)), 1);
  assert.equal(incompleteUtf8Tail(Buffer.from('ab')), 0);
});

test('a line that is not JSON is reported with file and line, the others still read', () => {
  const file = join(tmp(), 'events.jsonl');
  writeFileSync(file, '{"a":1}\nnot json\n\n{"a":2}\n');
  const r = new JsonlTail(file).read();
  assert.deepEqual(r.records, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(r.lines, [1, 4]);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].message, /events\.jsonl:2: not JSON/);
});

test('a file rewritten shorter is read again from the start', () => {
  const file = join(tmp(), 'events.jsonl');
  writeFileSync(file, '{"a":1}\n{"a":2}\n');
  const tail = new JsonlTail(file);
  tail.read();
  writeFileSync(file, '{"b":1}\n');
  const r = tail.read();
  assert.equal(r.restarted, true);
  assert.deepEqual(r.records, [{ b: 1 }]);
  assert.deepEqual(r.lines, [1]);
});
