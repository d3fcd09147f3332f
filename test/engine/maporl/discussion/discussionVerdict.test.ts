// The demo's closing lines: a paired difference is called better or worse only beyond two
// standard errors of its mean.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discussionVerdict } from '../../../../src/engine/maporl/discussion/evaluate';

/** [turn][question] credits: question q is right at turn t when q < right[t]. */
const credits = (n: number, right: number[]) => right.map((k) => Array.from({ length: n }, (_, q) => (q < k ? 1 : 0)));

test('a consistent gain on the same questions is better; a mixed one of the same size is noise', () => {
  // 100 questions, turn 3 right on 10 more questions than turn 1 and nothing lost: 10 ± 6 points.
  const lines = discussionVerdict(credits(100, [50, 40, 50]), credits(100, [50, 45, 60]));
  assert.equal(lines[0], 'turn 3 after training 60.0% on 100 questions vs');
  assert.match(lines[1], /turn 1 after training 50\.0%: \+10\.0 ± 6\.0 points \(2 s\.e\., paired\), better$/);
  assert.match(lines[2], /turn 3 before training 50\.0%: \+10\.0 ± 6\.0 points .*better$/);
  // The same +10 as 30 gained and 20 lost questions: s.e. 0.07, so 2 s.e. = 14 points.
  const mixedAfter = [
    Array.from({ length: 100 }, (_, q) => (q < 50 ? 1 : 0)),
    Array(100).fill(0),
    Array.from({ length: 100 }, (_, q) => (q >= 20 && q < 80 ? 1 : 0)),
  ];
  const mixed = discussionVerdict(credits(100, [50, 0, 50]), mixedAfter);
  assert.match(mixed[1], /\+10\.0 ± 14\.\d points .*within the noise$/);
  assert.match(discussionVerdict(credits(100, [50, 0, 80]), credits(100, [80, 0, 60]))[2], /-20\.0 .*worse$/);
});

test('one turn, mismatched turns or question sets say nothing', () => {
  assert.deepEqual(discussionVerdict(credits(10, [5]), credits(10, [6])), []);
  assert.deepEqual(discussionVerdict(credits(10, [5, 5]), credits(10, [6, 6, 6])), []);
  assert.deepEqual(discussionVerdict(credits(10, [5, 5]), credits(12, [6, 6])), []);
});
