// Answer extraction (last \boxed{} with nested braces, else last Answer: line), number and label
// normalisation, and grading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerSpan, extractAnswer, grade, lastBoxed, normalizeNumber } from '../../../src/engine/tasks/answers';

test('lastBoxed takes the last box and matches nested braces', () => {
  assert.equal(lastBoxed('first \\boxed{1} then \\boxed{\\frac{1}{2}} end'), '\\frac{1}{2}');
  assert.equal(lastBoxed('\\boxed{{a}{b}}'), '{a}{b}');
  assert.equal(lastBoxed('no box here'), null);
  assert.equal(lastBoxed('\\boxed{5} and \\boxed{unclosed'), '5', 'an unclosed last box falls back to the one before');
});

test('answerSpan prefers a box, else the last Answer: line', () => {
  assert.equal(answerSpan('Answer: 3\nwork\nAnswer: 7 apples\nmore text'), '7 apples');
  assert.equal(answerSpan('answer:   12  '), '12');
  assert.equal(answerSpan('Answer: 3 so \\boxed{4}'), '4');
  assert.equal(answerSpan('just 42'), null);
});

test('normalizeNumber: commas, $, +, trailing zeros, leading zeros, final period', () => {
  const cases: [string, string | null][] = [
    ['1,450,000', '1450000'],
    ['$18', '18'],
    ['$ 18.00', '18'],
    ['+7', '7'],
    ['3.0', '3'],
    ['2.50', '2.5'],
    ['-4', '-4'],
    ['-0.0', '0'],
    ['007', '7'],
    ['.5', '0.5'],
    ['6.', '6'],
    ['-$5', '-5'],
    ['1,2', null],
    ['12a', null],
    ['', null],
    ['.', null],
    ['1.2.3', null],
  ];
  for (const [raw, want] of cases) assert.equal(normalizeNumber(raw), want, raw);
});

test('extractAnswer for numbers takes the last number of the span', () => {
  assert.equal(extractAnswer('number', '6+4=10. 10-2=8. Answer: 8'), '8');
  assert.equal(extractAnswer('number', 'Answer: $1,000.'), '1000');
  assert.equal(extractAnswer('number', 'Answer: 10-4=6'), '6');
  assert.equal(extractAnswer('number', 'Answer: 10-4'), '4', 'a minus after a digit is an operator, not a sign');
  assert.equal(extractAnswer('number', 'Answer: -4'), '-4');
  assert.equal(extractAnswer('number', 'so \\boxed{3,4} '), '4', 'an invalid thousands group splits into numbers');
  assert.equal(extractAnswer('number', 'I think 5'), null, 'no answer line, no box: no answer');
  assert.equal(extractAnswer('number', 'Answer: none'), null);
});

test('extractAnswer for NLI finds the label word, any case', () => {
  assert.equal(extractAnswer('label', 'So Tom is red. Answer: Entailment'), 'entailment');
  assert.equal(extractAnswer('label', 'Answer: it is CONTRADICTION.'), 'contradiction');
  assert.equal(extractAnswer('label', 'neutral? Answer: maybe'), null, 'label words outside the span do not count');
  assert.equal(extractAnswer('label', '\\boxed{neutral}'), 'neutral');
});

test('grade compares normalised answers; null is wrong', () => {
  assert.equal(grade('number', '18.00', '18'), true);
  assert.equal(grade('number', '$1,000', '1000'), true);
  assert.equal(grade('number', '17', '18'), false);
  assert.equal(grade('number', null, '18'), false);
  assert.equal(grade('label', 'Neutral', 'neutral'), true);
  assert.equal(grade('label', 'entailment', 'neutral'), false);
  assert.equal(grade('text', ' Paris. ', 'paris'), true);
  assert.equal(grade('text', '3.0', '3'), true, 'numeric text answers compare as numbers');
  assert.equal(grade('text', 'Rome', 'paris'), false);
});

test('extractAnswer for pairs: the last two numbers of the span, smaller first', () => {
  assert.equal(extractAnswer('pair', '4+9=13. Answer: 4 9'), '4 9');
  assert.equal(extractAnswer('pair', 'Answer: 9 and 4'), '4 9');
  assert.equal(extractAnswer('pair', 'Answer: 12, 3'), '3 12', 'compared as numbers, not as text');
  assert.equal(extractAnswer('pair', 'Answer: 13'), null, 'one number is no pair');
  assert.equal(extractAnswer('pair', '4+9=13.'), null, 'no answer line');
  assert.ok(grade('pair', '9 4', '4 9'));
  assert.ok(!grade('pair', '4 8', '4 9'));
});
