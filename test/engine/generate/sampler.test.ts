import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../../src/engine/core/random';
import { sample } from '../../../src/engine/generate/sampler';

// A distribution over 6 tokens, already normalised (as the graph's softmax(logits / T) is).
const probs = Float32Array.from([0.05, 0.4, 0.02, 0.3, 0.2, 0.03]);

/** Empirical frequencies of n draws. */
function frequencies(o: { temperature: number; topK: number; topP: number }, n: number): number[] {
  const random = seededRandom(5);
  const counts = new Array<number>(probs.length).fill(0);
  for (let i = 0; i < n; i++) counts[sample(probs, o, random).token]++;
  return counts.map((c) => c / n);
}

test('greedy picks the most likely token and reports its log-probability', () => {
  const s = sample(probs, { temperature: 0, topK: 0, topP: 1 }, seededRandom(1));
  assert.equal(s.token, 1);
  assert.ok(Math.abs(s.logprob - Math.log(0.4)) < 1e-6);
});

test('unfiltered sampling follows the distribution', () => {
  const f = frequencies({ temperature: 1, topK: 0, topP: 1 }, 20000);
  f.forEach((x, i) => assert.ok(Math.abs(x - probs[i]) < 0.015, `token ${i}: ${x} vs ${probs[i]}`));
});

test('top-k keeps the k most likely tokens, renormalised', () => {
  const f = frequencies({ temperature: 1, topK: 2, topP: 1 }, 20000);
  const kept = 0.4 + 0.3;
  f.forEach((x, i) => {
    const want = i === 1 || i === 3 ? probs[i] / kept : 0;
    assert.ok(Math.abs(x - want) < 0.015, `token ${i}: ${x} vs ${want}`);
  });
});

test('top-p keeps the smallest set reaching p, and the log-probability is of the unfiltered distribution', () => {
  // 0.4 + 0.3 = 0.7 < 0.8 <= 0.9: tokens 1, 3 and 4 are the nucleus.
  const o = { temperature: 1, topK: 0, topP: 0.8 };
  const f = frequencies(o, 20000);
  f.forEach((x, i) => {
    const want = [1, 3, 4].includes(i) ? probs[i] / 0.9 : 0;
    assert.ok(Math.abs(x - want) < 0.015, `token ${i}: ${x} vs ${want}`);
  });
  const s = sample(probs, o, seededRandom(2));
  assert.ok(Math.abs(s.logprob - Math.log(probs[s.token])) < 1e-6);
});
