// `maporl data --format sft` with the SFT options of the base-agent recipe: the share of later-turn
// pairs and how their made-up wrong answers go wrong (base/sftData.ts), and one-line refusals.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parsePairsum } from '../../src/engine/tasks/synthetic';
import { assertBadInput, maporl } from './run';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cli-data-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const pairsOf = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { prompt: string; completion: string });

test("data --format sft --discussion-fraction 1 --made-up-errors near-miss: every pair in the later-turn format, wrong answers of the agents' kinds", () => {
  const out = path.join(dir, 'later.jsonl');
  const r = maporl([
    'data',
    '--task',
    'pairsum',
    '--format',
    'sft',
    '--n',
    '200',
    '--discussion-fraction',
    '1',
    '--made-up-errors',
    'near-miss',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const pairs = pairsOf(out);
  assert.equal(pairs.length, 200);
  assert.ok(
    pairs.every((p) => p.prompt.includes('Others:')),
    'every prompt shows peers',
  );
  // A near miss of the agents' kind mostly names a number the question does not list.
  let shown = 0,
    unlisted = 0;
  for (const p of pairs) {
    const question = p.prompt.split('\n').find((line) => line.startsWith('Numbers'))!;
    const listed = new Set(parsePairsum(question)!.list);
    const others = /Others: (.*)/.exec(p.prompt)![1].split(', ');
    for (const o of others) {
      const nums = o.trim().split(/\s+/).map(Number);
      shown++;
      if (nums.some((x) => !listed.has(x))) unlisted++;
    }
  }
  assert.ok(unlisted / shown > 0.2, `unlisted numbers in ${unlisted} of ${shown} shown answers`);

  const plain = path.join(dir, 'plain.jsonl');
  assert.equal(
    maporl(['data', '--task', 'pairsum', '--format', 'sft', '--n', '200', '--discussion-fraction', '0', '--out', plain]).code,
    0,
  );
  assert.ok(
    pairsOf(plain).every((p) => !p.prompt.includes('Others:')),
    'fraction 0: turn-1 prompts only',
  );
});

test('data: bad SFT options are one line naming the flag', () => {
  const out = path.join(dir, 'bad.jsonl');
  assertBadInput(
    maporl(['data', '--task', 'pairsum', '--format', 'sft', '--discussion-fraction', '1.5', '--out', out]),
    /--discussion-fraction must be from 0 to 1/,
    'fraction',
  );
  assertBadInput(
    maporl(['data', '--task', 'pairsum', '--format', 'sft', '--made-up-errors', 'typo', '--out', out]),
    /--made-up-errors must be final-answer, slip, near-miss/,
    'errors',
  );
  assertBadInput(
    maporl(['data', '--task', 'pairsum', '--discussion-fraction', '0.5', '--out', out]),
    /add --format sft/,
    'task format',
  );
  assert.ok(!fs.existsSync(out), 'nothing written');
});
