// The soak report's slopes: least squares per hour over the samples after the first tenth of the run
// (the warm-up), so that a steady leak shows at its rate and the warm-up's growth does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSoak, soakReport, type SoakSample } from '../../bench/soak';

test('slopes per hour skip the warm-up and measure a steady rate', () => {
  // 60 minutes sampled every 10 s: RSS jumps by 100 MB in the first minute, then grows 12 MB/h; sessions stay at 7.
  const samples: SoakSample[] = Array.from({ length: 361 }, (_, i) => {
    const t = i * 10;
    return {
      t,
      iteration: i,
      rssMB: 200 + (t < 60 ? t * (100 / 60) : 100) + (12 * t) / 3600,
      heapUsedMB: 30,
      externalMB: 5,
      arrayBuffersMB: 1,
      fds: 40,
      sessions: 7,
    };
  });
  const r = soakReport(60, samples);
  assert.ok(Math.abs(r.slopePerHour.rssMB - 12) < 1e-6, `rss slope ${r.slopePerHour.rssMB}`);
  assert.equal(r.slopePerHour.sessions, 0);
  assert.equal(r.slopePerHour.fds, 0);
  assert.equal(r.iterations, 360);
  assert.match(formatSoak(r), /resident memory .* \+12\.00 MB\/h/);
  assert.match(formatSoak(r), /live ORT sessions\s+7 -> 7\s+\+0\.00 \/h/);
});
