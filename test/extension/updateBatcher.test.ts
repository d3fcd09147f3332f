// Dashboard updates are batched: many deltas within the interval become one message; a rebuilt model
// turns the next message into a snapshot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/extension/dashboard/updateBatcher';
import { UpdateBatcher } from '../../src/extension/dashboard/updateBatcher';
import { emptyDelta } from '../../src/extension/runData/runModel';

const delta = (steps: number[]) => ({ ...emptyDelta(), events: steps.length, metrics: steps.map((step) => ({ step })) });

test('deltas within the interval are sent as one batch', async () => {
  const sent: Batch[] = [];
  const b = new UpdateBatcher((x) => sent.push(x), 30);
  for (let k = 1; k <= 100; k++) b.push(delta([k]));
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(sent.length, 1);
  assert.equal(sent[0].snapshot, false);
  assert.equal(sent[0].metrics.length, 100);
  b.dispose();
});

test('a restarted delta or a request makes a snapshot; flush sends at once; nothing pending sends nothing', () => {
  const sent: Batch[] = [];
  const b = new UpdateBatcher((x) => sent.push(x), 1000);
  b.push(delta([1]));
  b.push({ ...delta([]), restarted: true });
  b.push(delta([2]));
  b.flush();
  assert.deepEqual(
    sent.map((x) => [x.snapshot, x.metrics.length]),
    [[true, 0]],
  );
  b.flush();
  assert.equal(sent.length, 1);
  b.dispose();
});
