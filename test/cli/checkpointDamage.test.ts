// A resume whose newest checkpoint was damaged after it was written (one flipped byte in a weights
// file) notices it through the checkpoint's manifest, says so in one warning line, resumes from the
// previous checkpoint and ends exactly like an uninterrupted run: `maporl train --resume` and
// `maporl sft --resume`. A checkpoint without a manifest (written before manifests) still resumes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { comparable, lines, writeTinyConfig } from '../helpers/tinyRun';
import { maporl } from './run';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-damage-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Flips one bit in the middle of `file`. */
function flipByte(file: string): void {
  const b = fs.readFileSync(file);
  b[b.length >> 1] ^= 0x10;
  fs.writeFileSync(file, b);
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => /warning/i.test(l));

test('train --resume: a damaged newest checkpoint is passed over with one warning, and the run ends as if uninterrupted', () => {
  const whole = path.join(root, 'whole'),
    run = path.join(root, 'damaged');
  assert.equal(maporl(['train', writeTinyConfig(root, { iterations: 3 }), '--out', whole]).code, 0);
  // The run as a kill right after the checkpoint of step 2 (and its event) leaves it.
  fs.cpSync(whole, run, { recursive: true });
  const events = fs.readFileSync(path.join(run, 'events.jsonl'), 'utf8').split('\n');
  const cut = events.findIndex((l) => l && JSON.parse(l).type === 'checkpoint' && JSON.parse(l).step === 2) + 1;
  fs.writeFileSync(
    path.join(run, 'events.jsonl'),
    events
      .slice(0, cut)
      .map((l) => l + '\n')
      .join(''),
  );
  const transcripts = lines(path.join(run, 'transcripts.jsonl'));
  fs.writeFileSync(
    path.join(run, 'transcripts.jsonl'),
    transcripts
      .filter((t) => t.step <= 2)
      .map((t) => JSON.stringify(t) + '\n')
      .join(''),
  );
  fs.rmSync(path.join(run, 'checkpoints', 'step-000003'), { recursive: true });
  fs.rmSync(path.join(run, 'summary.json'));
  flipByte(path.join(run, 'checkpoints', 'step-000002', 'policy-0', 'model.safetensors'));

  const r = maporl(['train', '--resume', run]);
  assert.equal(r.code, 0, r.stderr);
  const w = warnings(r.stderr);
  assert.equal(w.length, 1, r.stderr);
  assert.match(
    w[0],
    /^warning: damaged checkpoint .*step-000002 \(policy-0\/model\.safetensors does not match its SHA-256 in manifest\.json\); using .*step-000001 instead$/,
  );
  assert.ok(
    lines(path.join(run, 'events.jsonl')).some(
      (e) => e.type === 'log' && e.level === 'warn' && /damaged checkpoint/.test(e.message),
    ),
    'the warning is in the run log',
  );
  assert.deepEqual(comparable(lines(path.join(run, 'events.jsonl'))), comparable(lines(path.join(whole, 'events.jsonl'))));
  assert.deepEqual(lines(path.join(run, 'transcripts.jsonl')), lines(path.join(whole, 'transcripts.jsonl')));
  for (const step of ['step-000002', 'step-000003']) {
    const weights = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoints', step, 'policy-0', 'model.safetensors'));
    assert.ok(weights(run).equals(weights(whole)), `${step}: weights differ`);
  }
});

test('sft --resume: a damaged newest checkpoint falls back to the previous one; a checkpoint without a manifest still loads', async () => {
  const base = path.join(root, 'base'),
    data = path.join(root, 'train.jsonl');
  const model = await createPresetModel('tiny', 1);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(data, sftRecords('arith', 'train', 32, 2));
  const args = (out: string, more: string[] = []) => [
    'sft',
    '--model',
    base,
    '--data',
    data,
    '--out',
    path.join(root, out),
    '--max-steps',
    '6',
    '--batch-size',
    '4',
    '--save-every',
    '2',
    '--keep-checkpoints',
    '0',
    '--threads',
    '1',
    '--lr',
    '1e-3',
    ...more,
  ];
  assert.equal(maporl(args('sft-whole')).code, 0);
  const events = (out: string) => lines(path.join(root, out, 'events.jsonl')).map(({ time: _t, ...e }) => e);
  const finalWeights = (out: string) => fs.readFileSync(path.join(root, out, 'model', 'model.safetensors'));

  // Killed right after the checkpoint of step 4: its events up to that checkpoint's mark, no final model.
  const prepare = (out: string) => {
    const dir = path.join(root, out);
    fs.cpSync(path.join(root, 'sft-whole'), dir, { recursive: true });
    for (const f of ['model', 'summary.json', 'checkpoints/step-000006']) fs.rmSync(path.join(dir, f), { recursive: true });
    const mark = JSON.parse(
      fs.readFileSync(path.join(dir, 'checkpoints', 'step-000004', 'trainer_state.json'), 'utf8'),
    ).eventsBytes;
    fs.truncateSync(path.join(dir, 'events.jsonl'), mark);
    return dir;
  };

  const damaged = prepare('sft-damaged');
  flipByte(path.join(damaged, 'checkpoints', 'step-000004', 'optimizer.safetensors'));
  const r = maporl(args('sft-damaged', ['--resume']));
  assert.equal(r.code, 0, r.stderr);
  const w = warnings(r.stderr);
  assert.equal(w.length, 1, r.stderr);
  assert.match(
    w[0],
    /^warning: damaged checkpoint .*step-000004 \(optimizer\.safetensors does not match its SHA-256 in manifest\.json\); using .*step-000002 instead$/,
  );
  assert.match(r.stderr, /resuming from .*step-000002 \(step 2 of 6\)/);
  assert.deepEqual(events('sft-damaged'), events('sft-whole'));
  assert.ok(finalWeights('sft-damaged').equals(finalWeights('sft-whole')), 'final weights differ');

  const old = prepare('sft-old');
  fs.rmSync(path.join(old, 'checkpoints', 'step-000004', 'manifest.json'));
  const o = maporl(args('sft-old', ['--resume']));
  assert.equal(o.code, 0, o.stderr);
  assert.deepEqual(warnings(o.stderr), []);
  assert.match(o.stderr, /resuming from .*step-000004 \(step 4 of 6\)/);
  assert.ok(finalWeights('sft-old').equals(finalWeights('sft-whole')), 'final weights differ');
});
