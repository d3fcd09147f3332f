// The comparison record the extension reads: a well-formed result passes, and the first problem
// of a broken one is named by its JSON path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateComparisonResult, type ComparisonResult } from '../../src/protocol/comparison';

const turn = {
  majorityAccuracy: 0.5,
  meanAgentAccuracy: 0.5,
  agentAccuracy: [0.5, 0.5],
  wrongToRight: [0, 1],
  rightToWrong: [1, 0],
};
const side = (i: number) => ({
  given: `run${i}`,
  kind: 'checkpoint' as const,
  path: `/runs/run${i}/checkpoints/step-000001`,
  run: `/runs/run${i}`,
  step: 1,
  label: `run${i}/step-000001`,
  agents: 2,
  turns: 1,
  sharing: 'shared' as const,
  generation: { maxNewTokens: 8, temperature: 1, topP: 1, topK: 0 },
  verifier: 'ground-truth' as const,
  transcripts: `side-${i}.transcripts.jsonl`,
  table: { step: 1, questions: 2, turns: [turn] },
});
const good: ComparisonResult = {
  version: 1,
  key: '0123456789abcdef',
  createdAt: '2025-01-01T00:00:00.000Z',
  task: 'arith',
  data: null,
  questions: 2,
  seed: 0,
  bootstrap: { resamples: 2000, confidence: 0.95, seed: 0 },
  sides: [side(0), side(1)],
  versusBaseline: [{ side: 1, turns: [{ turn: 0, difference: -0.5, ci: [-1, 0], baselineOnly: 1, sideOnly: 0, pValue: 1 }] }],
  differing: [
    {
      id: 'arith-test-0',
      question: 'q',
      answer: '3',
      line: 1,
      sides: [
        { majority: '3', correct: true },
        { majority: null, correct: false },
      ],
    },
  ],
};

test('a well-formed comparison validates', () => {
  assert.equal(validateComparisonResult(good), null);
});

test('problems are named by their JSON path', () => {
  const broken = (patch: (r: ComparisonResult) => void) => {
    const r = structuredClone(good);
    patch(r);
    return validateComparisonResult(r);
  };
  assert.match(
    broken((r) => (r.sides = [r.sides[0]]))!,
    /^sides: expected at least two sides/,
  );
  assert.match(
    broken((r) => ((r.sides[1] as { sharing: string }).sharing = 'pooled'))!,
    /^sides\[1\]\.sharing: expected one of shared\|per-agent\|per-turn/,
  );
  assert.match(
    broken((r) => (r.versusBaseline[0].turns[0].ci = [0] as unknown as [number, number]))!,
    /^versusBaseline\[0\]\.turns\[0\]\.ci: expected \[low, high\]/,
  );
  assert.match(
    broken((r) => (r.versusBaseline[0].turns[0].pValue = 1.5))!,
    /pValue: expected a number in \[0, 1\]/,
  );
  assert.match(
    broken((r) => ((r as { version: number }).version = 2))!,
    /^version: expected version 1/,
  );
});
