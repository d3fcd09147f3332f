// `maporl sft` killed with SIGKILL at seeded random moments, then resumed with --resume: at every
// kill no checkpoint under its final name is half-written, the resume completes, and the events, the
// final model and the summary equal those of an uninterrupted run byte for byte. The moments: an
// instant drawn over the run's duration, or an fs call drawn among those that write checkpoints
// (including pruning the oldest). `npm test` runs two; `npm run test:faults` thirty (seeds printed).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
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
import { lines } from '../helpers/tinyRun';
import { assertUnlocked } from '../../src/engine/io/runLock';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-kill-sft-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const base = path.join(root, 'base'),
  data = path.join(root, 'train.jsonl'),
  held = path.join(root, 'held.jsonl');
const whole = path.join(root, 'whole');
// 6 steps, a checkpoint and a held-out loss every 2, the newest 2 checkpoints kept (pruning runs too).
const args = (out: string) => [
  'sft',
  '--model',
  base,
  '--data',
  data,
  '--eval-data',
  held,
  '--out',
  out,
  '--max-steps',
  '6',
  '--batch-size',
  '4',
  '--save-every',
  '2',
  '--keep-checkpoints',
  '2',
  '--threads',
  '1',
  '--lr',
  '1e-3',
];
let baseline: { calls: number; ms: number };

before(async () => {
  ensureCli();
  const model = await createPresetModel('tiny', 2);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(data, sftRecords('arith', 'train', 32, 3));
  writeSftJsonl(held, sftRecords('arith', 'test', 8, 3));
  baseline = await checkpointCalls(args(whole), path.join(root, 'calls'));
  say(`clean run: ${Math.round(baseline.ms)} ms, ${baseline.calls} fs calls under checkpoints/`);
});

function assertLikeUninterrupted(out: string, label: string): void {
  const events = (dir: string) => lines(path.join(dir, 'events.jsonl')).map(({ time: _t, ...e }) => e);
  assert.deepEqual(events(out), events(whole), `${label}: events`);
  const bytes = (dir: string, f: string) => fs.readFileSync(path.join(dir, f));
  assert.ok(
    bytes(out, 'model/model.safetensors').equals(bytes(whole, 'model/model.safetensors')),
    `${label}: final weights differ`,
  );
  const summary = (dir: string) => ({ ...JSON.parse(bytes(dir, 'summary.json').toString()), modelDir: undefined });
  assert.deepEqual(summary(out), summary(whole), `${label}: summary`);
  assert.deepEqual(
    fs.readdirSync(path.join(out, 'checkpoints')),
    fs.readdirSync(path.join(whole, 'checkpoints')),
    `${label}: checkpoints kept`,
  );
}

async function killAndResume(seed: number, kind: 'instant' | 'checkpoint-write'): Promise<void> {
  const u = caseRandom(seed)();
  const out = path.join(root, `kill-${seed}`);
  let killed;
  if (kind === 'instant') {
    const ms = Math.round(u * 0.95 * baseline.ms);
    say(`seed ${seed}: SIGKILL ${ms} ms into the run`);
    killed = await runFaulty(args(out), {}, ms);
  } else {
    const k = 1 + Math.floor(u * baseline.calls);
    say(`seed ${seed}: SIGKILL at fs call ${k} of ${baseline.calls} under checkpoints/`);
    killed = await runFaulty(args(out), { MAPORL_FAULT_KILL_AT: String(k) });
  }
  const label = `seed ${seed}`;
  if (killed.signal !== 'SIGKILL') say(`seed ${seed}: the run ended (${killed.code}) before the kill`);
  assert.deepEqual(halfWrittenCheckpoints(path.join(out, 'checkpoints')), [], `${label}: half-written checkpoints`);
  const resumed = runClean([...args(out), '--resume']);
  assert.equal(resumed.code, 0, `${label}: the resume failed:\n${resumed.stderr}`);
  assertLikeUninterrupted(out, label);
  // A kill that lands after the run finished, as it releases its lock, leaves a stale lock: the resume
  // then finds the run finished and changes nothing (a later writer takes such a lock over). Never a live one.
  assert.doesNotThrow(() => assertUnlocked(out), `${label}: the lock is released`);
  fs.rmSync(out, { recursive: true, force: true });
}

const seed0 = baseSeed();
say(`base seed ${seed0}`);
const instants = caseCount(1, 20),
  writes = caseCount(1, 10);
for (let i = 0; i < instants; i++) {
  test(`sft killed at a random instant (seed ${seed0 + i}) resumes to the uninterrupted run's events and weights`, () =>
    killAndResume(seed0 + i, 'instant'));
}
for (let i = 0; i < writes; i++) {
  const seed = seed0 + 1000 + i;
  test(`sft killed inside a checkpoint write (seed ${seed}) resumes to the uninterrupted run's events and weights`, () =>
    killAndResume(seed, 'checkpoint-write'));
}
