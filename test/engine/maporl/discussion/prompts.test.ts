// Discussion prompts: turn 0 the question alone, later turns own and others' previous responses,
// optional verifier scores, one-pass placeholder filling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultPromptOptions,
  fillTemplate,
  renderPrompt,
  renderTurnPrompts,
  type PromptOptions,
} from '../../../../src/engine/maporl/discussion/prompts';

const q = 'Ann has 3 pens. How many pens now?';
const prev = [
  { text: '3+1=4. Answer: 4', answer: '4', score: 0.9 },
  { text: 'I am not sure', answer: null, score: 0.1 },
  { text: '3+2=5. Answer: 5', answer: '5', score: 0.456 },
];

test('turn 0 shows the question alone with the default template', () => {
  assert.equal(renderPrompt({ question: q, turn: 0 }, defaultPromptOptions()), `${q}\nA:`);
});

test('later turns show own and others\' previous answers, "?" for none, and the question last', () => {
  const prompts = renderTurnPrompts(q, 1, prev, defaultPromptOptions());
  assert.deepEqual(prompts, [
    `You: 4\nOthers: ?, 5\n${q}\nA:`,
    `You: ?\nOthers: 4, 5\n${q}\nA:`,
    `You: 5\nOthers: 4, ?\n${q}\nA:`,
  ]);
});

test('full texts and verifier scores when asked', () => {
  const opts: PromptOptions = { ...defaultPromptOptions(), show: 'text', feedVerifierScores: true };
  assert.equal(
    renderPrompt({ question: q, turn: 2, own: prev[0], others: [prev[1], prev[2]] }, opts),
    `You: 3+1=4. Answer: 4 (0.90)\nOthers: I am not sure (0.10), 3+2=5. Answer: 5 (0.46)\n${q}\nA:`,
  );
  assert.throws(
    () => renderPrompt({ question: q, turn: 1, own: { text: 'x', answer: 'x' }, others: [] }, opts),
    /no verifier score/,
  );
});

test('custom templates; placeholders are filled once (a question containing {own} stays literal)', () => {
  const opts = defaultPromptOptions();
  opts.templates = { ...opts.templates, first: 'Q={question}', later: '[{others}] [{own}] {question}', separator: ' | ' };
  assert.equal(renderPrompt({ question: 'what is {own}?', turn: 0 }, opts), 'Q=what is {own}?');
  assert.equal(renderPrompt({ question: 'q', turn: 1, own: prev[0], others: [prev[2], prev[1]] }, opts), '[5 | ?] [4] q');
  assert.equal(fillTemplate('{a}{b}{c}', { a: '{b}', b: '2' }), '{b}2{c}');
  assert.throws(() => renderPrompt({ question: 'q', turn: 1 }, opts), /needs the previous turn/);
});
