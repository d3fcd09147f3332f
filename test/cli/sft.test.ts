// `maporl sft` as a user runs it: a run that writes a model directory and plain progress lines
// (stderr is not a terminal), exit 2 with file:line for bad data, nothing overwritten without
// --force, and Stop (SIGTERM) that exits 0 and leaves a checkpoint from which --resume finishes the run.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { assertBadInput, maporl, maporlAsync } from './run';

const root = mkdtempSync(join(tmpdir(), 'maporl-cli-sft-'));
const base = join(root, 'base');
const data = join(root, 'train.jsonl');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  const model = await createPresetModel('tiny', 1);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(data, sftRecords('nli', 'train', 64, 2));
});

test('sft trains, saves OUT/model and prints progress as plain lines; an existing OUT needs --force', () => {
  const out = join(root, 'run');
  const r = maporl([
    'sft',
    '--model',
    base,
    '--data',
    data,
    '--out',
    out,
    '--max-steps',
    '3',
    '--batch-size',
    '4',
    '--lr',
    '1e-3',
    '--threads',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*run\/model after 3 steps\n$/);
  assert.match(r.stderr, /^sft 3\/3 \(100%\) .* loss \d+\.\d{4}/m);
  assert.ok(existsSync(join(out, 'model', 'model.safetensors')));
  const summary = readFileSync(join(out, 'summary.json'), 'utf8');
  assertBadInput(
    maporl(['sft', '--model', base, '--data', data, '--out', out, '--max-steps', '1']),
    /run: already exists and is not empty \(use --force to replace it, or --resume to continue\)/,
    'existing OUT',
  );
  assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), summary, 'nothing overwritten');
});

test('bad data and bad options are exit 2 with one line', () => {
  const bad = join(root, 'bad.jsonl');
  writeFileSync(bad, '{"prompt": "a", "completion": " b"}\n"just a string"\n');
  assertBadInput(
    maporl(['sft', '--model', base, '--data', bad, '--out', join(root, 'o1')]),
    new RegExp(`${bad}:2: expected an object \\{"prompt", "completion"\\}, got string`),
    'line not an object',
  );
  const noField = join(root, 'nofield.jsonl');
  writeFileSync(noField, '{"prompt": "a"}\n');
  assertBadInput(
    maporl(['sft', '--model', base, '--data', noField, '--out', join(root, 'o2')]),
    /nofield\.jsonl:1: missing field "completion"/,
    'missing field',
  );
  assertBadInput(
    maporl([
      'sft',
      '--model',
      base,
      '--data',
      data,
      '--out',
      join(root, 'o3'),
      '--lora-rank',
      '4',
      '--lora-targets',
      'q_proj,lm_head',
    ]),
    /LoRA target module "lm_head" is not a linear layer/,
    'bad LoRA target',
  );
  assertBadInput(
    maporl(['sft', '--model', base, '--data', data, '--out', join(root, 'o4'), '--lora-alpha', '4']),
    /--lora-alpha needs --lora-rank/,
    'LoRA flag without rank',
  );
  assertBadInput(
    maporl(['sft', '--model', join(root, 'nowhere'), '--data', data, '--out', join(root, 'o5')]),
    /nowhere: model directory does not exist/,
    'no model',
  );
  assertBadInput(maporl(['sft', '--model', base, '--data', data]), /missing --out DIR/, 'no --out');
});

test('SIGTERM stops after the current step with a checkpoint; --resume completes the run', async () => {
  const out = join(root, 'stopped');
  const args = [
    'sft',
    '--model',
    base,
    '--data',
    data,
    '--out',
    out,
    '--epochs',
    '4',
    '--batch-size',
    '4',
    '--save-every',
    '1000',
    '--threads',
    '1',
    '--lora-rank',
    '2',
  ];
  let sent = false;
  const stopped = await maporlAsync(args, (stderr, kill) => {
    if (!sent && /^sft \d+\/64/m.test(stderr)) {
      sent = true;
      kill('SIGTERM');
    }
  });
  assert.equal(stopped.code, 0, 'a stop exits 0, as maporl train does (the extension counts it as stopped)');
  const m = stopped.stderr.match(/stopped at step (\d+)\/64; continue with --resume/);
  assert.ok(m, stopped.stderr);
  assert.deepEqual(readdirSync(join(out, 'checkpoints')), [`step-${m[1].padStart(6, '0')}`]);
  assert.ok(!existsSync(join(out, 'model')), 'no final model yet');
  assertBadInput(
    maporl([...args, '--resume', '--lr', '1e-3']),
    /cannot resume: lr was 0\.0001 in that run and is 0\.001 now/,
    'changed options',
  );
  const resumed = maporl([...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming from .*step-${m[1].padStart(6, '0')} \\(step ${m[1]} of 64\\)`));
  assert.match(resumed.stdout, /stopped\/model and .*stopped\/adapter after 64 steps/);
  const again = maporl([...args, '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^already finished: .*stopped \(nothing to resume\)\n$/);
});
