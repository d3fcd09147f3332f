// Built-in tasks: deterministic from a seed, disjoint train/test splits, answers that follow from
// the question (checked by an independent reading of the text), short texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractAnswer } from '../../../src/engine/tasks/answers';
import { answerKindOf } from '../../../src/engine/tasks/types';
import { checksOut, generateSplit, splitOf } from '../../../src/engine/tasks/synthetic';
import { judge, type Fact } from '../../../src/engine/tasks/synthetic/nli';
import { syntheticWords } from '../../../src/engine/tasks/synthetic/vocab';

/** Tokens of a word/digit-level tokenizer: a word, one digit, or one punctuation mark. */
const tokens = (s: string) => (s.match(/[A-Za-z]+|\d|[^\sA-Za-z\d]/g) ?? []).length;

for (const task of ['arith', 'nli', 'pairsum'] as const) {
  test(`${task}: same seed, same questions; another seed, other questions`, () => {
    const a = generateSplit(task, 'train', 50, 11);
    assert.deepEqual(generateSplit(task, 'train', 50, 11), a);
    assert.deepEqual(generateSplit(task, 'train', 20, 11), a.slice(0, 20), 'a longer split extends a shorter one');
    const b = generateSplit(task, 'train', 50, 12);
    assert.ok(b.filter((r, i) => r.question !== a[i].question).length > 40);
  });

  test(`${task}: train and test are disjoint, distinct, and in their hash bucket`, () => {
    const train = generateSplit(task, 'train', 1000, 5);
    const test_ = generateSplit(task, 'test', 200, 5);
    const trainQ = new Set(train.map((r) => r.question));
    assert.equal(trainQ.size, 1000, 'distinct within train');
    assert.equal(new Set(test_.map((r) => r.question)).size, 200, 'distinct within test');
    assert.ok(
      test_.every((r) => !trainQ.has(r.question)),
      'no test question in train',
    );
    assert.ok(train.every((r) => splitOf(r.question, 5) === 'train') && test_.every((r) => splitOf(r.question, 5) === 'test'));
  });

  test(`${task}: records carry source, id, and a solution whose answer is the gold`, () => {
    const recs = generateSplit(task, 'test', 100, 1);
    recs.forEach((r, i) => {
      assert.deepEqual(r.source, { file: `builtin:${task}/test`, line: i + 1 });
      assert.equal(r.id, `${task}-test-${i}`);
      assert.equal(extractAnswer(answerKindOf(task), r.solution!), r.answer);
    });
  });

  test(`${task}: short texts (≤ 40 word/digit tokens, ≤ 100 characters)`, () => {
    const words = new Set(syntheticWords());
    for (const r of generateSplit(task, 'train', 500, 2)) {
      for (const text of [r.question, r.solution!]) {
        assert.ok(tokens(text) <= 40, `${tokens(text)} tokens: ${text}`);
        assert.ok(text.length <= 100, `${text.length} chars: ${text}`);
        // pairsum's four template words came after the built-in tokenizer was frozen (its ids are in
        // every cached agent): they are spelled in BPE pieces, the same pieces in every question.
        if (task === 'pairsum') continue;
        for (const w of text.match(/[A-Za-z]+/g) ?? []) assert.ok(words.has(w), `"${w}" missing from syntheticWords()`);
      }
    }
  });
}

/** An independent reading of an arith question: the amount it describes. */
function solveArith(question: string): number {
  const sentences = question.match(/[^.?]+[.?]/g)!.map((s) => s.trim());
  assert.match(sentences.pop()!, /^How many \w+ now\?$/);
  let v = NaN;
  for (const s of sentences) {
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^\w+ has (\d+) bags of (\d+) \w+\.$/))) v = +m[1] * +m[2];
    else if ((m = s.match(/^\w+ has (\d+) \w+\.$/))) v = +m[1];
    else if ((m = s.match(/^\w+ buys (\d+) bags of (\d+)\.$/))) v += +m[1] * +m[2];
    else if ((m = s.match(/^\w+ buys (\d+) more\.$/))) v += +m[1];
    else if ((m = s.match(/^\w+ gives (\d+) to \w+\.$/))) v -= +m[1];
    else if ((m = s.match(/^\w+ gives \w+ (\d+)\.$/))) v += +m[1];
    else if ((m = s.match(/^\w+ loses (\d+)\.$/))) v -= +m[1];
    else assert.fail(`unknown sentence "${s}"`);
    assert.ok(v >= 0, `negative amount in "${question}"`);
  }
  return v;
}

test('arith: the gold answer is what the question says, each step is right, 2–3 steps', () => {
  for (const r of generateSplit('arith', 'train', 500, 3)) {
    assert.equal(r.answer, String(solveArith(r.question)), r.question);
    const steps = [...r.solution!.matchAll(/(\d+)([+*-])(\d+)=(\d+)\./g)];
    assert.ok(steps.length >= 2 && steps.length <= 3, r.solution);
    for (const [, a, op, b, c] of steps) assert.equal(op === '+' ? +a + +b : op === '-' ? +a - +b : +a * +b, +c, r.solution);
    assert.equal(steps[steps.length - 1][4], r.answer);
  }
});

/** An independent reading of a pairsum question: every pair of distinct listed numbers with the target's sum. */
function solvePairsum(question: string): { list: number[]; target: number; pairs: string[] } {
  const m = question.match(/^Numbers ((?:\d+ )+\d+)\. Which two sum to (\d+)\?$/);
  assert.ok(m, question);
  const list = m[1].split(' ').map(Number);
  const target = Number(m[2]);
  const pairs: string[] = [];
  list.forEach((a, i) =>
    list.slice(i + 1).forEach((b) => a + b === target && pairs.push([a, b].sort((x, y) => x - y).join(' '))),
  );
  return { list, target, pairs };
}

test('pairsum: exactly one pair sums to the two-digit target; the gold is that pair, smaller first', () => {
  for (const r of generateSplit('pairsum', 'train', 500, 3)) {
    const { list, target, pairs } = solvePairsum(r.question);
    assert.equal(new Set(list).size, 6, `distinct numbers: ${r.question}`);
    assert.ok(list.every((x) => x >= 1 && x <= 19) && target >= 10, r.question);
    assert.deepEqual(pairs, [r.answer], r.question);
    assert.match(r.solution!, new RegExp(`^${r.answer.replace(' ', '\\+')}=${target}\\. Answer: ${r.answer}$`));
    assert.ok(checksOut(r.question, r.answer));
  }
});

test('pairsum: the shape sets list length and range', () => {
  for (const r of generateSplit('pairsum', 'test', 200, 9, { numbers: 5, max: 9 })) {
    const { list } = solvePairsum(r.question);
    assert.equal(list.length, 5);
    assert.ok(
      list.every((x) => x >= 1 && x <= 9),
      r.question,
    );
  }
});

test('pairsum: checksOut accepts exactly the listed pairs with the target sum', () => {
  const q = 'Numbers 7 2 9 4 6 15. Which two sum to 13?';
  assert.ok(checksOut(q, '4 9'));
  assert.ok(checksOut(q, '6 7'), 'a second valid pair checks out too (generated questions have one)');
  assert.ok(!checksOut(q, '5 8'), 'sum right, numbers not listed');
  assert.ok(!checksOut(q, '2 9'), 'listed, wrong sum');
  assert.ok(!checksOut(q, null));
  assert.ok(!checksOut('Numbers 7 7. Which two sum to 14?', '7 7'), 'one number cannot be used twice');
});

test('nli: labels are balanced and the question has premise and hypothesis lines', () => {
  const recs = generateSplit('nli', 'train', 900, 4);
  const counts = { entailment: 0, neutral: 0, contradiction: 0 } as Record<string, number>;
  for (const r of recs) {
    counts[r.answer]++;
    assert.match(r.question, /^Premise: [^\n]+\nHypothesis: \w+ is (not )?\w+\.$/);
  }
  for (const c of Object.values(counts)) assert.ok(c > 240 && c < 360, JSON.stringify(counts));
});

test('nli: judge follows the rules (one colour each; all/no/some; unknown names)', () => {
  const tomCat: Fact = { type: 'kind', name: 'Tom', kind: 'cat' };
  const all = (color: string): Fact => ({ type: 'rule', quant: 'all', kind: 'cat', color });
  const cases: [Fact[], string, string, boolean, string][] = [
    [[all('red'), tomCat], 'Tom', 'red', false, 'entailment'],
    [[all('red'), tomCat], 'Tom', 'red', true, 'contradiction'],
    [[all('red'), tomCat], 'Tom', 'blue', false, 'contradiction'],
    [[all('red'), tomCat], 'Tom', 'blue', true, 'entailment'],
    [[all('red')], 'Tom', 'red', false, 'neutral'],
    [[{ type: 'rule', quant: 'no', kind: 'cat', color: 'red' }, tomCat], 'Tom', 'red', false, 'contradiction'],
    [[{ type: 'rule', quant: 'no', kind: 'cat', color: 'red' }, tomCat], 'Tom', 'blue', false, 'neutral'],
    [[{ type: 'rule', quant: 'some', kind: 'cat', color: 'red' }, tomCat], 'Tom', 'red', false, 'neutral'],
    [[{ type: 'color', name: 'Tom', color: 'gray', neg: false }], 'Tom', 'gray', true, 'contradiction'],
    [[{ type: 'color', name: 'Tom', color: 'gray', neg: true }], 'Tom', 'gray', true, 'entailment'],
    [[all('red'), tomCat], 'Bo', 'red', false, 'neutral'],
  ];
  for (const [facts, name, color, neg, want] of cases) {
    assert.equal(
      judge(facts, { name, color, neg })?.label,
      want,
      `${JSON.stringify(facts)} ${name} ${neg ? 'not ' : ''}${color}`,
    );
  }
  assert.equal(
    judge([all('red'), tomCat, { type: 'color', name: 'Tom', color: 'blue', neg: false }], {
      name: 'Tom',
      color: 'red',
      neg: false,
    }),
    null,
    'inconsistent premise',
  );
});

test('nli: every sentence of a rationale that cites a fact cites one from the premise', () => {
  for (const r of generateSplit('nli', 'test', 200, 6)) {
    const premise = r.question.split('\n')[0].slice('Premise: '.length).toLowerCase();
    const cited = r.solution!.split(/\. So |\. Answer:/)[0];
    if (cited.startsWith('Nothing says')) continue;
    for (const part of cited.split(', '))
      assert.ok(premise.includes(part.toLowerCase().replace(/\.$/, '')), `"${part}" not in "${premise}"`);
  }
});
