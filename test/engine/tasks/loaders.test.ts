// JSONL loaders: the real GSM8K test set, NLI label mapping, generic answers, and one-line errors
// naming file and line (or counted with skipInvalid).
import { fixture } from '../../helpers/fixtures';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../../src/engine/tasks/jsonl';
import { loadGeneric, loadGsm8k, loadNliJsonl, parseNliLabel } from '../../../src/engine/tasks/loaders';

const gsm8kTest = () => fixture('gsm8k', 'test.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'maporl-loaders-'));
function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n'));
  return p;
}

test('GSM8K test set: 1319 records, gold after ####, normalised, with file and line', () => {
  const testFile = gsm8kTest();
  const { records, skipped } = loadGsm8k(testFile);
  assert.equal(records.length, 1319);
  assert.equal(skipped.count, 0);
  const first = records[0];
  assert.match(first.question, /^Janet’s ducks lay 16 eggs per day/);
  assert.equal(first.answer, '18');
  assert.deepEqual(first.source, { file: testFile, line: 1 });
  assert.equal(first.id, 'test.jsonl:1');
  assert.ok(first.solution?.endsWith('Answer: 18'));
  assert.ok(!first.solution?.includes('<<'), 'calculator notes removed');
  assert.equal(records[146].answer, '2125', 'line 147: "#### 2,125" loses its comma');
  assert.equal(records[1318].source.line, 1319);
  assert.equal(records[1318].answer, '14');
  assert.ok(
    records.some((r) => r.answer === '-10'),
    'negative answers survive',
  );
  assert.ok(records.every((r) => /^-?\d+(\.\d+)?$/.test(r.answer)));
});

test('limit keeps the first N records', () => {
  const { records } = loadGsm8k(gsm8kTest(), { limit: 5 });
  assert.deepEqual(
    records.map((r) => r.source.line),
    [1, 2, 3, 4, 5],
  );
});

test('bad lines fail with <file>:<line>: <problem>', () => {
  const ok = '{"question": "q", "answer": "x\\n#### 3"}';
  const cases: [string, RegExp][] = [
    ['{"question": "q", "answer": ', /:2: invalid JSON/],
    ['{"answer": "#### 3"}', /:2: missing field "question"$/],
    ['{"question": 5, "answer": "#### 3"}', /:2: field "question" must be a string, got number 5$/],
    ['{"question": "q", "answer": "no marker"}', /:2: field "answer" has no "#### <number>" final answer$/],
    ['{"question": "q", "answer": "#### many"}', /:2: final answer after "####" is not a number: "many"$/],
    ['[1, 2]', /:2: expected a JSON object, got an array$/],
  ];
  for (const [bad, want] of cases) {
    const p = file('bad.jsonl', [ok, bad, ok]);
    assert.throws(
      () => loadGsm8k(p),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.ok(e.message.startsWith(`${p}:2: `), e.message);
        assert.match(e.message, want);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('skipInvalid counts bad lines and keeps the good ones with their own line numbers', () => {
  const p = file('mixed.jsonl', [
    '{"question": "a", "answer": "#### 1"}',
    'not json',
    '',
    '{"question": "b"}',
    '{"question": "c", "answer": "#### 3"}\r',
  ]);
  const { records, skipped } = loadGsm8k(p, { skipInvalid: true });
  assert.deepEqual(
    records.map((r) => [r.question, r.answer, r.source.line]),
    [
      ['a', '1', 1],
      ['c', '3', 5],
    ],
  );
  assert.equal(skipped.count, 2);
  assert.match(skipped.examples[0], /:2: invalid JSON/);
  assert.match(skipped.examples[1], /:4: missing field "answer"/);
});

test('a file with no valid records, or no file, is an error naming the file', () => {
  assert.throws(() => loadGsm8k(file('empty.jsonl', ['', ''])), /empty\.jsonl: no records$/);
  assert.throws(
    () => loadGsm8k(file('allbad.jsonl', ['x']), { skipInvalid: true }),
    /no valid records \(1 invalid lines skipped\)/,
  );
  assert.throws(() => loadGsm8k(join(dir, 'missing.jsonl')), /missing\.jsonl: file not found$/);
});

test('NLI labels: 0/1/2, words, e/n/c; premise or ANLI context', () => {
  assert.deepEqual([0, 1, 2, '2', 'Entailment', 'n', 'c'].map(parseNliLabel), [
    'entailment',
    'neutral',
    'contradiction',
    'contradiction',
    'entailment',
    'neutral',
    'contradiction',
  ]);
  assert.deepEqual([-1, 3, 1.5, 'maybe', null].map(parseNliLabel), [null, null, null, null, null]);
  const p = file('nli.jsonl', [
    '{"premise": "A cat sleeps.", "hypothesis": "An animal sleeps.", "label": 0}',
    '{"context": "It rains.", "hypothesis": "It is dry.", "label": "c"}',
    '{"premise": "x", "hypothesis": "y", "label": 7}',
  ]);
  assert.throws(
    () => loadNliJsonl(p),
    /nli\.jsonl:3: field "label" must be 0, 1, 2 or entailment\/neutral\/contradiction, got number 7$/,
  );
  const { records } = loadNliJsonl(p, { skipInvalid: true });
  assert.equal(records[0].question, 'Premise: A cat sleeps.\nHypothesis: An animal sleeps.');
  assert.deepEqual(
    records.map((r) => r.answer),
    ['entailment', 'contradiction'],
  );
});

test('generic: string or number answers, normalised', () => {
  const p = file('qa.jsonl', [
    '{"question": "Capital of France?", "answer": "Paris."}',
    '{"question": "2+2?", "answer": 4.0}',
    '{"question": "q", "answer": [1]}',
  ]);
  assert.throws(() => loadGeneric(p), /qa\.jsonl:3: field "answer" must be a string or a number, got an array$/);
  const { records } = loadGeneric(p, { limit: 2 });
  assert.deepEqual(
    records.map((r) => r.answer),
    ['paris', '4'],
  );
});

test('loadTaskData: built-in tasks from the seed, file tasks capped at nTrain/nTest', async () => {
  const { loadTaskData } = await import('../../../src/engine/tasks');
  const { parseConfig } = await import('../../../src/engine/maporl/config');
  const builtin = loadTaskData(parseConfig({ task: { type: 'nli', nTrain: 30, nTest: 10 }, eval: { questions: 10 } }).task, 3);
  assert.equal(builtin.kind, 'label');
  assert.deepEqual([builtin.train.length, builtin.test.length], [30, 10]);
  const gsm = loadTaskData(
    parseConfig({
      task: { type: 'gsm8k', testFile: gsm8kTest(), nTest: 50 },
      eval: { questions: 50 },
      training: { mode: 'none' },
      verifier: { type: 'ground-truth' },
    }).task,
    0,
  );
  assert.equal(gsm.kind, 'number');
  assert.equal(gsm.test.length, 50);
  assert.equal(gsm.train.length, 0);
});
