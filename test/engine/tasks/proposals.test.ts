// Labelled proposals for verifier training (tasks/proposals.ts): the right one is the gold solution
// and grades right; the near miss keeps the solution's format (its answer is extracted like an
// agent's) and grades wrong — for pairsum it also fails the independent rule checker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/engine/core/random';
import { extractAnswer, grade } from '../../../src/engine/tasks/answers';
import { labelledProposals, proposalsUnsupported } from '../../../src/engine/tasks/proposals';
import { checksOut, generateSplit } from '../../../src/engine/tasks/synthetic';
import { answerKindOf, type TaskRecord } from '../../../src/engine/tasks/types';

for (const task of ['pairsum', 'arith', 'nli'] as const) {
  test(`${task}: each proposal is labelled by what grading says of it, in the solution's format`, () => {
    const kind = answerKindOf(task);
    const records = generateSplit(task, 'train', 400, 3);
    const rng = new Rng(1, 'proposals-test');
    let wrong = 0;
    for (const r of records) {
      const ps = labelledProposals(kind, r, rng);
      assert.equal(ps[0].response, r.solution);
      assert.equal(ps[0].correct, true);
      for (const p of ps) {
        const answer = extractAnswer(kind, p.response);
        assert.notEqual(answer, null, `${p.response}: no answer extracted`);
        assert.equal(grade(kind, answer, r.answer), p.correct, `${r.question} → ${p.response}`);
        if (task === 'pairsum') assert.equal(checksOut(r.question, answer), p.correct, p.response);
        assert.match(p.response, /Answer: /);
      }
      wrong += ps.length - 1;
    }
    assert.ok(wrong >= 0.9 * records.length, `a near miss for most questions (${wrong} of ${records.length})`);
  });
}

test('pairsum near misses cover the kinds the agents make: complement outside the list, other sums', () => {
  const rng = new Rng(2, 'proposals-kinds');
  const kinds = new Set<string>();
  for (const r of generateSplit('pairsum', 'train', 300, 4)) {
    const wrong = labelledProposals('pair', r, rng)[1];
    if (!wrong) continue;
    const [, a, b, s] = /^(\d+)\+(\d+)=(\d+)\./.exec(wrong.response)!.map(Number);
    const list = r.question.match(/\d+/g)!.map(Number).slice(0, -1);
    const listed = [a, b].filter((x) => list.includes(x)).length;
    kinds.add(
      `${listed} listed, ${a + b === s ? 'true' : 'false'} sum, ${s === Number(r.question.match(/(\d+)\?$/)![1]) ? 'target' : 'other'}`,
    );
  }
  assert.deepEqual([...kinds].sort(), [
    '0 listed, true sum, target',
    '1 listed, true sum, target',
    '2 listed, false sum, target',
    '2 listed, true sum, other',
  ]);
});

test('arith near miss: the slip happens in the last step and carries to the answer', () => {
  const r: TaskRecord = {
    id: 'x',
    question: 'Ann has 3 bags of 4 pens. Bo gives Ann 5. Ann loses 2. How many pens now?',
    answer: '15',
    solution: '3*4=12. 12+5=17. 17-2=15. Answer: 15',
    source: { file: 'x', line: 1 },
  };
  const wrong = labelledProposals('number', r, new Rng(0, 't'))[1].response;
  assert.match(wrong, /^3\*4=12\. 12\+5=17\. 17-2=(\d+)\. Answer: (\d+)$/);
  const [, step, answer] = /17-2=(\d+)\. Answer: (\d+)$/.exec(wrong)!;
  assert.equal(step, answer);
  assert.ok(Math.abs(Number(answer) - 15) <= 2 && answer !== '15');
});

test('tasks without solutions or with free-text answers say why they have no proposals', () => {
  const bare: TaskRecord = { id: 'x', question: 'q', answer: '3', source: { file: 'f.jsonl', line: 1 } };
  assert.match(proposalsUnsupported('number', [bare])!, /no worked solution/);
  assert.match(proposalsUnsupported('text', [{ ...bare, solution: 'a' }])!, /free-text/);
  assert.equal(proposalsUnsupported('number', [{ ...bare, solution: '1+2=3. Answer: 3' }]), null);
  assert.deepEqual(labelledProposals('number', bare, new Rng(0, 't')), []);
});
