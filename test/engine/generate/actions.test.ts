// The action batch of PPO and the verifier's likelihood: which padded position predicts which
// response token, and the refusal of a sequence whose first response token nothing predicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { actionBatch } from '../../../src/engine/generate/actions';

test('each response token is predicted by the position before it, after left padding', () => {
  const b = actionBatch(
    [
      { prompt: [1, 2], response: [3] },
      { prompt: [1], response: [4, 5, 6] },
    ],
    0,
  );
  assert.equal(b.T, 4);
  // Row 0 is [pad, 1, 2, 3]: token 3 at position 3, predicted from 2. Row 1 is [1, 4, 5, 6].
  assert.deepEqual(Array.from(dataOf(b.tensors.action_index, 'int64'), Number), [2, 4, 5, 6]);
  assert.deepEqual(Array.from(dataOf(b.tensors.action_targets, 'int64'), Number), [3, 4, 5, 6]);
  assert.deepEqual(b.actionRow, [0, 1, 1, 1]);
});

test('an empty prompt is refused rather than silently losing an action', () => {
  assert.throws(
    () =>
      actionBatch(
        [
          { prompt: [], response: [5, 6] },
          { prompt: [1], response: [9] },
        ],
        0,
      ),
    /sequence 0 has an empty prompt/,
  );
});
