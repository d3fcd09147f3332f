// `maporl train` killed with SIGKILL at seeded random moments, then resumed: at every kill no
// checkpoint under its final name is half-written (each matches its manifest), the resume completes,
// and the events, transcripts, final weights and AdamW moments equal those of an uninterrupted run
// byte for byte. Two kinds of moment: an instant drawn over the run's duration, and an fs call drawn
// among those that write checkpoints (temporary files, fsyncs, the rename), so that kills land
// inside checkpoint writes too. `npm test` runs two; `npm run test:faults` thirty (seeds printed;
// replay one with MAPORL_FAULT_SEED=<base seed>).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  baseSeed,
  caseCount,
  caseRandom,
  checkpointCalls,
  ensureCli,
  halfWrittenCheckpoints,
  runClean,
  runFaulty,
  say,
} from '../helpers/faults';
import { comparable, lines, writeTinyConfig } from '../helpers/tinyRun';
import { assertUnlocked } from '../../src/engine/io/runLock';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-kill-train-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const config = writeTinyConfig(root, { iterations: 3 });
const whole = path.join(root, 'whole');
const LAST = 'step-000003';
let baseline: { calls: number; ms: number };

before(async () => {
  ensureCli();
  baseline = await checkpointCalls(['train', config, '--out', whole], path.join(root, 'calls'));
  say(`clean run: ${Math.round(baseline.ms)} ms, ${baseline.calls} fs calls under checkpoints/`);
});

/** What must come out the same: records, final weights and moments, the summary's results. */
function assertLikeUninterrupted(run: string, label: string): void {
  assert.deepEqual(
    comparable(lines(path.join(run, 'events.jsonl'))),
    comparable(lines(path.join(whole, 'events.jsonl'))),
    `${label}: metrics and checkpoint events`,
  );
  assert.deepEqual(
    lines(path.join(run, 'transcripts.jsonl')),
    lines(path.join(whole, 'transcripts.jsonl')),
    `${label}: transcripts`,
  );
  for (const f of ['policy-0/model.safetensors', 'policy-0/value_head.safetensors', 'optimizer-0.safetensors']) {
    const bytes = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoints', LAST, f));
    assert.ok(bytes(run).equals(bytes(whole)), `${label}: ${f} differs`);
  }
  const results = (dir: string) => {
    const { status, steps, before: b, after: a, metrics } = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    return { status, steps, b, a, metrics };
  };
  assert.deepEqual(results(run), results(whole), `${label}: summary`);
  const statuses = lines(path.join(run, 'events.jsonl')).filter((e) => e.type === 'status' && e.status === 'finished');
  assert.equal(statuses.length, 1, `${label}: one finished status`);
}

async function killAndResume(seed: number, kind: 'instant' | 'checkpoint-write'): Promise<void> {
  const u = caseRandom(seed)();
  const run = path.join(root, `kill-${seed}`);
  const args = ['train', config, '--out', run];
  let killed;
  if (kind === 'instant') {
    const ms = Math.round(u * 0.95 * baseline.ms);
    say(`seed ${seed}: SIGKILL ${ms} ms into the run`);
    killed = await runFaulty(args, {}, ms);
  } else {
    const k = 1 + Math.floor(u * baseline.calls);
    say(`seed ${seed}: SIGKILL at fs call ${k} of ${baseline.calls} under checkpoints/`);
    killed = await runFaulty(args, { MAPORL_FAULT_KILL_AT: String(k) });
  }
  const label = `seed ${seed}`;
  if (killed.signal !== 'SIGKILL') say(`seed ${seed}: the run ended (${killed.code}) before the kill`);
  assert.deepEqual(halfWrittenCheckpoints(path.join(run, 'checkpoints')), [], `${label}: half-written checkpoints`);
  // Killed before it wrote config.json, a run has recorded nothing: it is started again, as a user would.
  const resumed = fs.existsSync(path.join(run, 'config.json'))
    ? runClean(['train', '--resume', run])
    : runClean([...args, '--force']);
  assert.equal(resumed.code, 0, `${label}: the resume failed:\n${resumed.stderr}`);
  assertLikeUninterrupted(run, label);
  assert.deepEqual(halfWrittenCheckpoints(path.join(run, 'checkpoints')), [], `${label}: after the resume`);
  // A kill that lands after the run finished, as it releases its lock, leaves a stale lock: the resume
  // then finds the run finished and changes nothing (a later writer takes such a lock over). Never a live one.
  assert.doesNotThrow(() => assertUnlocked(run), `${label}: the lock is released`);
  fs.rmSync(run, { recursive: true, force: true });
}

const seed0 = baseSeed();
say(`base seed ${seed0}`);
const instants = caseCount(1, 20),
  writes = caseCount(1, 10);
for (let i = 0; i < instants; i++) {
  test(`train killed at a random instant (seed ${seed0 + i}) resumes to the uninterrupted run's records and weights`, () =>
    killAndResume(seed0 + i, 'instant'));
}
for (let i = 0; i < writes; i++) {
  const seed = seed0 + 1000 + i;
  test(`train killed inside a checkpoint write (seed ${seed}) resumes to the uninterrupted run's records and weights`, () =>
    killAndResume(seed, 'checkpoint-write'));
}
