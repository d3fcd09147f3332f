// Labelled responses as verifier training examples: verifier-wrong takes the opposite of the
// recorded decision, hallucinated is wrong (and wins), other labels add nothing; each example
// carries the configured weight; one example per response whatever the number of annotators.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { humanLabelExamples } from '../../../src/engine/annotations/humanLabels';
import { DataError } from '../../../src/engine/tasks/jsonl';
import { fakeRun, label, transcript } from './fakeRun';

test('verifier-wrong flips the recorded decision, hallucinated is target 0, other labels are not examples', async () => {
  const q = transcript('q', 1, [
    [0.9, true],
    [0.2, true],
    [0.7, true],
    [0.1, false],
    [0.6, false],
  ]);
  const dir = fakeRun(
    [q],
    [
      label('q', 1, 0, 'verifier-wrong'),
      label('q', 1, 0, 'verifier-wrong', 'bob'), // decided correct → 0, once
      label('q', 1, 1, 'verifier-wrong'), // decided wrong → 1
      label('q', 1, 2, 'hallucinated'), // → 0
      label('q', 1, 3, 'verifier-wrong'),
      label('q', 1, 3, 'hallucinated', 'bob'), // decided wrong, but hallucinated wins → 0
      label('q', 1, 4, 'stubborn'), // nothing
      label('q', 1, 9, 'hallucinated'),
      label('other', 1, 0, 'verifier-wrong'), // not found
    ],
  );
  try {
    const r = await humanLabelExamples([dir], 2.5);
    assert.deepEqual(r.examples.map((x) => [x.response, x.correct, x.weight]).sort(), [
      ['agent 0 says 7', false, 2.5],
      ['agent 1 says 7', true, 2.5],
      ['agent 2 says 7', false, 2.5],
      ['agent 3 says 8', false, 2.5],
    ]);
    assert.ok(r.examples.every((x) => x.question === 'question q'));
    assert.equal(r.missing, 2);
    assert.deepEqual(r.problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a listed run without annotations.jsonl is bad input naming the file', async () => {
  await assert.rejects(
    humanLabelExamples([join('/nonexistent', 'run')], 1),
    (e) => e instanceof DataError && /run\/annotations\.jsonl: file not found/.test(e.message),
  );
});
