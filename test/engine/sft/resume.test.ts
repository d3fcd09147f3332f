// `runSft` resumed from each boundary a kill can leave its output at ends with the events of an
// uninterrupted run, none twice and none missing, and resuming a finished run changes nothing.
// A kill right after a checkpoint is a throw from the hook that hears of that checkpoint.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../../../src/engine/nn/model';
import { SFT_DEFAULTS, type SftOptions } from '../../../src/engine/sft/options';
import { runSft } from '../../../src/engine/sft/trainer';

const root = mkdtempSync(join(tmpdir(), 'maporl-sft-resume-'));
const base = join(root, 'base');
const trainFile = join(root, 'train.jsonl');
const heldFile = join(root, 'held.jsonl');
after(() => rmSync(root, { recursive: true, force: true }));

// 6 steps, a checkpoint and a held-out loss every 2 (the last: checkpoint, then held-out loss, model, summary).
const opts = (out: string, more: Partial<SftOptions> = {}): SftOptions => ({
  ...SFT_DEFAULTS,
  model: base,
  data: trainFile,
  evalData: heldFile,
  out: join(root, out),
  runtime: { threads: 1 },
  batchSize: 8,
  maxSteps: 6,
  saveEvery: 2,
  keepCheckpoints: 0,
  lr: 2e-3,
  ...more,
});
/** events.jsonl without its wall-clock field. */
const eventsOf = (out: string) =>
  readFileSync(join(root, out, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map(({ time: _t, ...rest }) => rest);

before(async () => {
  const model = await createPresetModel('tiny', 3);
  await saveModel(base, model, { tokenizerFiles: model.tokenizerFiles });
  writeSftJsonl(trainFile, sftRecords('arith', 'train', 64, 5));
  writeSftJsonl(heldFile, sftRecords('arith', 'test', 16, 5));
  await runSft(opts('whole'));
  assert.deepEqual(
    eventsOf('whole')
      .filter((e) => e.type === 'eval')
      .map((e) => e.step),
    [0, 2, 4, 6],
  );
});

test('resuming a finished run changes nothing and says so', async () => {
  cpSync(join(root, 'whole'), join(root, 'finished'), { recursive: true });
  const files = ['events.jsonl', 'summary.json', 'model/model.safetensors'];
  const snapshot = () => files.map((f) => readFileSync(join(root, 'finished', f)).toString('base64'));
  const was = snapshot();
  const r = await runSft(opts('finished', { resume: true }));
  assert.equal(r.alreadyFinished, true);
  assert.equal(r.steps, 6);
  assert.deepEqual(snapshot(), was);
});

for (const step of [2, 6]) {
  test(`a run killed right after its checkpoint of step ${step} resumes with every event once`, async () => {
    const out = `killed-${step}`;
    const kill = (line: string) => {
      if (line.includes(`checkpoint ${join(root, out, 'checkpoints', `step-00000${step}`)}`)) throw new Error('killed');
    };
    await assert.rejects(runSft(opts(out), { onLog: kill }), /killed/);
    const r = await runSft(opts(out, { resume: true }));
    assert.equal(r.steps, 6);
    assert.deepEqual(eventsOf(out), eventsOf('whole'));
  });
}

test('a run killed after its last held-out loss, before its summary, resumes with every event once', async () => {
  cpSync(join(root, 'whole'), join(root, 'no-summary'), { recursive: true });
  rmSync(join(root, 'no-summary', 'summary.json'));
  const r = await runSft(opts('no-summary', { resume: true }));
  assert.equal(r.alreadyFinished, undefined);
  assert.deepEqual(eventsOf('no-summary'), eventsOf('whole'));
});
