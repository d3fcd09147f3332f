// SFT data for base agents: prompts in the discussion format, worked solutions as completions.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../../src/engine/maporl/sftData';
import { extractAnswer } from '../../../src/engine/tasks/answers';
import { generateSplit } from '../../../src/engine/tasks/synthetic';

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
