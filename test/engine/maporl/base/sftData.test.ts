// SFT data for base agents: prompts in the discussion format, worked solutions as completions.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultPromptOptions } from '../../../../src/engine/maporl/discussion/prompts';
import { sftRecords, slippedSteps, writeSftJsonl } from '../../../../src/engine/maporl/base/sftData';
import { Rng } from '../../../../src/engine/core/random';
import { extractAnswer } from '../../../../src/engine/tasks/answers';
import { checksOut, generateSplit, parsePairsum } from '../../../../src/engine/tasks/synthetic';

test("pairs are deterministic, follow the split's questions, and end in the gold answer", () => {
  const pairs = sftRecords('arith', 'train', 200, 7);
  assert.deepEqual(sftRecords('arith', 'train', 200, 7), pairs);
  const recs = generateSplit('arith', 'train', 200, 7);
  pairs.forEach((p, i) => {
    assert.ok(p.prompt.endsWith(recs[i].question + '\nA:'), 'the question last, as the default templates put it');
    assert.equal(p.completion, ' ' + recs[i].solution);
    assert.equal(extractAnswer('number', p.completion), recs[i].answer);
  });
  const later = pairs.filter((p) => p.prompt.startsWith('You: ')).length;
  assert.ok(later > 30 && later < 90, `about 30% in the later-turn format, got ${later}/200`);
});

test('later-turn pairs show made-up previous answers, right and wrong, for NLI too', () => {
  const pairs = sftRecords('nli', 'train', 60, 8, { discussionFraction: 1, agents: 3 });
  let right = 0,
    wrong = 0;
  for (const p of pairs) {
    const m = p.prompt.match(/^You: (\w+)\nOthers: (\w+), (\w+)\n/);
    assert.ok(m, p.prompt);
    const gold = extractAnswer('label', p.completion);
    for (const shown of m.slice(1)) {
      if (shown === gold) right++;
      else wrong++;
    }
  }
  assert.ok(right > 50 && wrong > 50, `${right} right, ${wrong} wrong`);
  assert.equal(sftRecords('nli', 'train', 20, 8, { discussionFraction: 0 }).filter((p) => p.prompt.includes('You:')).length, 0);
});

test('writeSftJsonl writes one {"prompt","completion"} object a line', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'maporl-sft-')), 'sub', 'sft.jsonl');
  const pairs = sftRecords('nli', 'test', 5, 1);
  writeSftJsonl(file, pairs);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    pairs,
  );
});

test('slipped steps: one result off by 1-3, carried through every later step to a different answer', () => {
  const rng = new Rng(5, 'test/slip');
  const gold = '3*4=12. 4+12=16. 16-5=11.';
  for (let i = 0; i < 200; i++) {
    const s = slippedSteps(rng, gold);
    if (!s) continue; // a slip below zero: the caller falls back to changing the final answer
    const steps = s.reasoning.split(' ').map((x) => /^(\d+)([-+*])(\d+)=(\d+)\.$/.exec(x)!);
    const wrongSteps = steps.filter((m) => {
      const [a, b, c] = [+m[1], +m[3], +m[4]];
      return (m[2] === '+' ? a + b : m[2] === '-' ? a - b : a * b) !== c;
    });
    assert.equal(wrongSteps.length, 1, `exactly one slipped step: ${s.reasoning}`);
    assert.ok(Math.abs(Number(s.answer) - 11) >= 1 && Math.abs(Number(s.answer) - 11) <= 3, s.reasoning);
    // Each step after the first starts from what the one before it got (or takes the product as its second operand).
    for (let k = 1; k < steps.length; k++)
      assert.ok(steps[k][1] === steps[k - 1][4] || steps[k][3] === steps[k - 1][4], s.reasoning);
    assert.equal(steps[steps.length - 1][4], s.answer);
  }
  assert.equal(slippedSteps(rng, 'Ann is red. So Ann is red.'), null, 'not arithmetic steps');
});

test("made-up errors 'slip': wrong responses show a slipped chain ending in their answer; the completion stays the worked solution", () => {
  const prompt = { ...defaultPromptOptions(), show: 'text' as const };
  const pairs = sftRecords('arith', 'train', 80, 4, { discussionFraction: 1, madeUpErrors: 'slip', prompt });
  const recs = generateSplit('arith', 'train', 80, 4);
  const steps = (i: number) => recs[i].solution!.replace(/ Answer: \d+$/, '');
  let slipped = 0;
  pairs.forEach((p, i) => {
    assert.equal(p.completion, ' ' + recs[i].solution);
    const shown = p.prompt.split('\n')[0].slice('You: '.length);
    const answer = extractAnswer('number', shown);
    if (answer !== recs[i].answer && shown.replace(/ Answer: \d+$/, '') !== steps(i)) slipped++;
  });
  assert.ok(slipped > 20, `own responses with a slipped chain: ${slipped}/80`);
  // The default keeps the worked steps under a changed answer (the recipe the cached agents were made with).
  const old = sftRecords('arith', 'train', 80, 4, { discussionFraction: 1, prompt });
  old.forEach((p, i) => assert.ok(p.prompt.startsWith('You: ' + steps(i)), p.prompt));
});

test('pairsum SFT pairs: made-up wrong answers are other pairs of the list that claim the target', () => {
  const records = sftRecords('pairsum', 'train', 400, 5, { discussionFraction: 1 });
  let wrong = 0;
  for (const r of records) {
    const list = /Numbers ([\d ]+)\./.exec(r.prompt)![1].split(' ').map(Number);
    const target = Number(/sum to (\d+)\?/.exec(r.prompt)![1]);
    const shown = /You: (.*)\nOthers: (.*)\n/.exec(r.prompt)!;
    for (const answer of [shown[1], ...shown[2].split(', ')]) {
      const [a, b] = answer.split(' ').map(Number);
      assert.ok(list.includes(a) && list.includes(b) && a < b, `${answer} from ${list}`);
      if (a + b !== target) wrong++;
    }
    assert.equal(extractAnswer('pair', r.completion), /Answer: (.*)$/.exec(r.completion)![1]);
  }
  assert.ok(wrong > 500 && wrong < 700, `about half of 1200 shown answers wrong, got ${wrong}`);
});

test("made-up errors 'near-miss': pairsum's wrong answers are the agents' kinds of error (mostly an unlisted number); arithmetic's are slips", () => {
  const records = sftRecords('pairsum', 'train', 400, 5, { discussionFraction: 1, madeUpErrors: 'near-miss' });
  const questions = generateSplit('pairsum', 'train', 400, 5);
  let wrong = 0,
    unlisted = 0;
  records.forEach((r, i) => {
    const shown = /You: (.*)\nOthers: (.*)\n/.exec(r.prompt)!;
    for (const answer of [shown[1], ...shown[2].split(', ')]) {
      if (answer === questions[i].answer) continue;
      wrong++;
      assert.equal(checksOut(questions[i].question, answer), false, answer);
      const list = parsePairsum(questions[i].question)!.list;
      if (answer.split(' ').some((x) => !list.includes(Number(x)))) unlisted++;
    }
    assert.equal(r.completion, ' ' + questions[i].solution);
  });
  assert.ok(wrong > 500 && wrong < 700, `about half of 1200 shown answers wrong, got ${wrong}`);
  assert.ok(unlisted > 0.5 * wrong, `most wrong answers name an unlisted number: ${unlisted}/${wrong}`);
  const prompt = { ...defaultPromptOptions(), show: 'text' as const };
  assert.deepEqual(
    sftRecords('arith', 'train', 40, 4, { discussionFraction: 1, madeUpErrors: 'near-miss', prompt }),
    sftRecords('arith', 'train', 40, 4, { discussionFraction: 1, madeUpErrors: 'slip', prompt }),
  );
});
