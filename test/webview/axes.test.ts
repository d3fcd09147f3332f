// Chart axes fit the data: a flat line gets a small span of its own (never 0–100 around a flat 0),
// a moving curve its span with a margin, a bounded metric stays inside its bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitRange } from '../../webview/dashboard/axes';

const close = (a: [number, number], b: [number, number]) =>
  assert.ok(Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9, `${a} vs ${b}`);

test('a flat 0 is drawn in a small span, not 0–100', () => {
  close(fitRange(0, 0), [-0.5, 0.5]);
  close(fitRange(0, 0, [0, 1]), [0, 0.5]);
  const [lo, hi] = fitRange(0, 0);
  assert.ok(hi - lo <= 1);
});

test('a flat non-zero value gets 5% each way; a moving one its span plus 10% margins', () => {
  close(fitRange(2, 2), [1.9, 2.1]);
  close(fitRange(-4, -4), [-4.2, -3.8]);
  close(fitRange(0.52, 0.62), [0.51, 0.63]);
  close(fitRange(0.52, 0.62, [0, 1]), [0.51, 0.63]);
});

test('bounded metrics are clamped to their bounds; no data falls back to the bounds or [0, 1]', () => {
  close(fitRange(0, 1, [0, 1]), [0, 1]);
  close(fitRange(0.95, 1, [0, 1]), [0.945, 1]);
  close(fitRange(null, null, [0, 1]), [0, 1]);
  close(fitRange(null, null), [0, 1]);
  close(fitRange(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), [0, 1]);
});
