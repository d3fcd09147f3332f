// SFT data: the JSONL loader's errors, batching by length.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { collate, epochBatches, truncate } from '../../../src/engine/sft/batches';
import { readSftJsonl } from '../../../src/engine/sft/data';

const dir = mkdtempSync(join(tmpdir(), 'maporl-sftdata-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('the JSONL loader keeps source lines and names file:line in every error', () => {
  const good = jsonl('good.jsonl', '{"prompt": "a", "completion": " b", "extra": 1}\n\n{"prompt": "", "completion": "c"}\n');
  assert.deepEqual(
    readSftJsonl(good).map((e) => [e.prompt, e.completion, e.source.line]),
    [
      ['a', ' b', 1],
      ['', 'c', 3],
    ],
  );
  const cases: [string, RegExp][] = [
    ['{"prompt": "a", "completion": "b"}\n[1, 2]\n', /:2: expected an object \{"prompt", "completion"\}, got an array$/],
    ['{"prompt": "a"}\n', /:1: missing field "completion"$/],
    ['{"prompt": 3, "completion": "x"}\n', /:1: field "prompt" must be a string, got 3$/],
    ['{"prompt": "a", "completion": "b"}\n{"prompt": "a", "completion": ""}\n', /:2: field "completion" is empty/],
    ['\n\n{"prompt": "a",\n', /:3: invalid JSON/],
    ['', /: no examples \(the file is empty\)$/],
  ];
  for (const [i, [text, err]] of cases.entries()) {
    const file = jsonl(`bad${i}.jsonl`, text);
    assert.throws(
      () => readSftJsonl(file),
      (e: Error) => e.message.startsWith(file) && err.test(e.message),
      `case ${i}`,
    );
  }
  assert.throws(() => readSftJsonl(join(dir, 'absent.jsonl')), /absent\.jsonl: file not found/);
});

test('batches by length: every example once per epoch, seeded, similar lengths together', () => {
  const lengths = Array.from({ length: 300 }, (_, i) => 5 + ((i * 37) % 60));
  const e0 = epochBatches(lengths, 8, 1, 0);
  assert.deepEqual(
    e0.flat().sort((a, b) => a - b),
    lengths.map((_, i) => i),
  );
  assert.deepEqual(epochBatches(lengths, 8, 1, 0), e0);
  assert.notDeepEqual(epochBatches(lengths, 8, 1, 1), e0, 'each epoch has its own order');
  assert.notDeepEqual(epochBatches(lengths, 8, 2, 0), e0, 'and each seed');
  const spread = e0.map((b) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i])));
  assert.ok(spread.reduce((a, b) => a + b, 0) / spread.length < 6, `mean length spread in a batch ${spread}`);
});

test('collate right-pads and lists the completion targets: flat position and token', () => {
  const b = collate(
    [
      { ids: [1, 10, 11, 12, 2], promptLength: 3 },
      { ids: [1, 20, 2], promptLength: 2 },
    ],
    0,
  );
  assert.deepEqual(b.input_ids.shape, [2, 4]);
  assert.deepEqual(Array.from(b.input_ids.data as BigInt64Array, Number), [1, 10, 11, 12, 1, 20, 0, 0]);
  assert.deepEqual(Array.from(b.attention_mask.data as BigInt64Array, Number), [1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(b.positions.data as BigInt64Array, Number), [0, 1, 2, 3, 0, 1, 0, 0]);
  // row 0 predicts 12 and 2 (ids[3..4]) from positions 2 and 3; row 1 predicts 2 from its position 1
  assert.deepEqual(Array.from(b.loss_index.data as BigInt64Array, Number), [2, 3, 5]);
  assert.deepEqual(Array.from(b.loss_targets.data as BigInt64Array, Number), [12, 2, 2]);
  const t = truncate(
    [
      { ids: [1, 2, 3, 4, 5], promptLength: 2 },
      { ids: [1, 2, 3, 4], promptLength: 4 },
    ],
    3,
  );
  assert.deepEqual(t.kept, [{ ids: [1, 2, 3], promptLength: 2 }]);
  assert.equal(t.truncated, 1);
  assert.equal(t.dropped, 1);
});
