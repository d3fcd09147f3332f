// The action batch of PPO and the verifier's likelihood: which padded position predicts which
// response token, and the refusal of a sequence whose first response token nothing predicts; the
// packed batch of PPO (several sequences to a row, told apart by segment ids).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dataOf } from '../../../src/engine/core/hostTensor';
import { actionBatch, packedActionBatch } from '../../../src/engine/generate/actions';

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

test('packed: shorter sequences share rows; segments, positions and actions follow each sequence', () => {
  const seqs = [
    { prompt: [1, 2], response: [3] }, // length 3
    { prompt: [1, 7, 7, 7], response: [4, 5] }, // length 6: T
    { prompt: [1], response: [8, 9] }, // length 3
  ];
  const b = packedActionBatch(seqs, 0);
  assert.equal(b.T, 6);
  // Longest first: row 0 = sequence 1; row 1 = sequences 0 and 2 (3 + 3 = 6), in that order.
  assert.deepEqual(Array.from(dataOf(b.tensors.input_ids, 'int64'), Number), [1, 7, 7, 7, 4, 5, 1, 2, 3, 1, 8, 9]);
  assert.deepEqual(Array.from(dataOf(b.tensors.attention_mask, 'int64'), Number), [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(Array.from(dataOf(b.tensors.positions, 'int64'), Number), [0, 1, 2, 3, 4, 5, 0, 1, 2, 0, 1, 2]);
  // Actions in the order of the sequences given: 3 (from flat 7), 4, 5 (from 3, 4), 8, 9 (from 9, 10),
  // grouped by row: row 0 predicts from 3, 4; row 1 from 7, 9, 10 (A = 3; row 0 filled with its last token, 5).
  assert.deepEqual(Array.from(dataOf(b.tensors.query_index, 'int64'), Number), [3, 4, 5, 7, 9, 10]);
  assert.deepEqual(b.tensors.query_index.shape, [2, 3]);
  // action_index points into the flattened [B, A]: 7 is row 1 slot 0 (3), 3 and 4 row 0 slots 0, 1 ...
  assert.deepEqual(Array.from(dataOf(b.tensors.action_index, 'int64'), Number), [3, 0, 1, 4, 5]);
  assert.deepEqual(Array.from(dataOf(b.tensors.action_targets, 'int64'), Number), [3, 4, 5, 8, 9]);
  assert.deepEqual(b.actionRow, [0, 1, 1, 2, 2]);
});

test('packed: every token sits once in its own segment, every action predicts its target (property)', () => {
  const tokens = (min: number) => fc.array(fc.integer({ min: 1, max: 50 }), { minLength: min, maxLength: 12 });
  fc.assert(
    fc.property(fc.array(fc.record({ prompt: tokens(1), response: tokens(0) }), { minLength: 1, maxLength: 20 }), (seqs) => {
      const b = packedActionBatch(seqs, 0);
      const ids = Array.from(dataOf(b.tensors.input_ids, 'int64'), Number);
      const mask = Array.from(dataOf(b.tensors.attention_mask, 'int64'), Number);
      const pos = Array.from(dataOf(b.tensors.positions, 'int64'), Number);
      const [B, T] = b.tensors.input_ids.shape;
      assert.ok(B <= seqs.length && T === Math.max(...seqs.map((s) => s.prompt.length + s.response.length)));
      const total = seqs.reduce((n, s) => n + s.prompt.length + s.response.length, 0);
      assert.equal(mask.filter((m) => m > 0).length, total, 'every token once; padding has segment 0');
      const query = Array.from(dataOf(b.tensors.query_index, 'int64'), Number);
      const A = b.tensors.query_index.shape[1];
      assert.ok(
        query.every((at, k) => Math.floor(at / T) === Math.floor(k / A) && mask[at] > 0),
        'each row queries its own real tokens',
      );
      const slots = Array.from(dataOf(b.tensors.action_index, 'int64'), Number);
      assert.equal(new Set(slots).size, slots.length, 'one slot per action');
      const index = slots.map((k) => query[k]);
      const targets = Array.from(dataOf(b.tensors.action_targets, 'int64'), Number);
      assert.deepEqual(
        targets,
        seqs.flatMap((s) => s.response),
      );
      index.forEach((at, n) => {
        // The predicting position and the target's are neighbours in one segment of one row.
        assert.equal(ids[at + 1], targets[n]);
        assert.ok(Math.floor(at / T) === Math.floor((at + 1) / T) && mask[at] > 0 && mask[at] === mask[at + 1]);
        assert.equal(pos[at + 1], pos[at] + 1);
      });
      // Positions count from 0 within each segment.
      for (let r = 0; r < B; r++)
        for (let t = 0; t < T; t++) {
          const i = r * T + t;
          if (mask[i] > 0) assert.equal(pos[i], t > 0 && mask[i - 1] === mask[i] ? pos[i - 1] + 1 : 0);
        }
    }),
  );
});
