// WallShares charges calls that overlap in time an equal share of each interval they share, so the
// shares add up to the wall time during which any of them ran, not to the sum of their durations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WallShares } from '../../../../src/engine/maporl/ppo/wallShares';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('calls side by side share the wall time; a call alone gets all of it', async () => {
  const clock = new WallShares();
  const [a, b] = [
    { runMs: 0, calls: 0 },
    { runMs: 0, calls: 0 },
  ];
  const t0 = performance.now();
  let bMs = 0;
  // a runs about 0-120 ms, b 0-60 ms: b is charged half its duration, a the rest of the wall time.
  const timed = async () => {
    const s = performance.now();
    await sleep(60);
    bMs = performance.now() - s;
  };
  await Promise.all([clock.time(a, () => sleep(120)), clock.time(b, timed)]);
  const wall = performance.now() - t0;
  assert.ok(Math.abs(a.runMs + b.runMs - wall) < 5, `shares ${a.runMs} + ${b.runMs} against a wall of ${wall} ms`);
  assert.ok(Math.abs(b.runMs - bMs / 2) < 5, `b: ${b.runMs} ms, half of its ${bMs}`);
  assert.deepEqual([a.calls, b.calls], [1, 1]);
  const before = a.runMs;
  await clock.time(a, () => sleep(30));
  assert.ok(a.runMs - before >= 29, 'alone, a call is charged its whole duration');
});
