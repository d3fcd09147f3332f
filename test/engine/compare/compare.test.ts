// Pairing two sides' transcripts: differences follow the majority credit question by question,
// McNemar counts the questions one side gets right and the other wrong, and the questions whose
// final majorities differ are listed with their line in every side's transcripts file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differingQuestions, pairedTurns } from '../../../src/engine/compare/compare';
import type { TranscriptRecord } from '../../../src/protocol/runRecords';

/** A transcript with one majority answer (and credit) per turn; `gold` decides correctness. */
function transcript(id: string, majority: (string | null)[], gold = '1', credit?: number[]): TranscriptRecord {
  return {
    id,
    step: 0,
    split: 'eval',
    question: `q ${id}`,
    answer: gold,
    source: { file: 'builtin:arith/test', line: 1 },
    turns: majority.map(() => []),
    majority,
    majorityCorrect: majority.map((m) => m === gold),
    majorityCredit: credit ?? majority.map((m) => (m === gold ? 1 : 0)),
  };
}

const bootstrap = { resamples: 500, seed: 1, confidence: 0.95 };

test('paired turns: difference of majority credit, McNemar on the discordant questions', () => {
  // turn 0: base right on a, b; side right on b, c, d → base only 1 (a), side only 2 (c, d)
  // turn 1: both right on everything
  const base = [
    transcript('a', ['1', '1']),
    transcript('b', ['1', '1']),
    transcript('c', ['2', '1']),
    transcript('d', [null, '1']),
  ];
  const side = [
    transcript('a', ['3', '1']),
    transcript('b', ['1', '1']),
    transcript('c', ['1', '1']),
    transcript('d', ['1', '1']),
  ];
  const [t0, t1] = pairedTurns(base, side, bootstrap);
  assert.equal(t0.difference, 0.25);
  assert.deepEqual([t0.baselineOnly, t0.sideOnly], [1, 2]);
  assert.equal(t0.pValue, 1, '2 · (1 + 3) / 8 capped at 1');
  assert.ok(t0.ci[0] <= 0.25 && 0.25 <= t0.ci[1]);
  assert.deepEqual(t1, { turn: 1, difference: 0, ci: [0, 0], baselineOnly: 0, sideOnly: 0, pValue: 1 });
});

test('paired turns use tie-split credit for the difference and stop at the shorter discussion', () => {
  const base = [transcript('a', ['1', '1', '1'], '1', [0.5, 1, 1])];
  const side = [transcript('a', ['1', '1'], '1', [1, 1])];
  const turns = pairedTurns(base, side, bootstrap);
  assert.equal(turns.length, 2);
  assert.equal(turns[0].difference, 0.5, 'credit 1 against 1/2');
  assert.deepEqual([turns[0].baselineOnly, turns[0].sideOnly], [0, 0], 'both recorded majorities are right');
});

test('paired turns refuse sides that answered different questions', () => {
  assert.throws(() => pairedTurns([transcript('a', ['1'])], [transcript('b', ['1'])], bootstrap), /same questions/);
});

test('differing questions: final majorities that are not the same on every side', () => {
  const sides = [
    [transcript('a', ['1', '1']), transcript('b', ['2', '2']), transcript('c', ['1', null])],
    [transcript('a', ['2', '1']), transcript('b', ['2', '2']), transcript('c', ['1', '1'])],
    [transcript('a', ['1', '1']), transcript('b', ['2', '2']), transcript('c', ['1', '1'])],
  ];
  assert.deepEqual(differingQuestions(sides), [
    {
      id: 'c',
      question: 'q c',
      answer: '1',
      line: 3,
      sides: [
        { majority: null, correct: false },
        { majority: '1', correct: true },
        { majority: '1', correct: true },
      ],
    },
  ]);
});
