// `maporl compare` on a tiny trained run: every side answers the same questions with the same
// sampling seeds (so a side against itself differs by exactly nothing), the result follows the
// protocol type, lands in the first run's comparisons/ directory, and is read back, not recomputed.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveComparison } from '../../src/engine/compare/store';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { validateComparisonResult, type ComparisonResult } from '../../src/protocol/comparison';
import { validateTranscriptRecord, type TranscriptRecord } from '../../src/protocol/runRecords';
import { assertBadInput, maporl, type CliResult } from './run';

const root = mkdtempSync(join(tmpdir(), 'maporl-cli-compare-'));
const run = join(root, 'run');
const model = join(root, 'base');
after(() => rmSync(root, { recursive: true, force: true }));

// One iteration: checkpoints step-000000 (the base agents) and step-000001.
const CONFIG = {
  name: 'compare-run',
  seed: 3,
  task: { type: 'arith', nTrain: 16, nTest: 8 },
  agents: { count: 2 },
  discussion: { turns: 2 },
  verifier: { type: 'ground-truth' },
  generation: { maxNewTokens: 6, temperature: 1 },
  training: { iterations: 1, questionsPerIteration: 2, samplesPerQuestion: 2, ppo: { minibatchSize: 4, epochs: 1, lr: 1e-3 } },
  eval: { questions: 2, every: 0 },
  checkpoint: { every: 1 },
};

before(async () => {
  const config = join(root, 'tiny.maporl.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const r = maporl(['train', config, '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  const m = await createPresetModel('tiny', 1);
  await saveModel(model, m, { tokenizerFiles: m.tokenizerFiles });
});

function compareJson(args: string[]): { r: CliResult; result: ComparisonResult } {
  const r = maporl(['compare', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as ComparisonResult;
  assert.equal(validateComparisonResult(result), null);
  return { r, result };
}

const transcripts = (dir: string, file: string): TranscriptRecord[] =>
  readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TranscriptRecord);

test('two checkpoints of a run: per-side tables, paired turns, transcripts on the same questions', () => {
  const { result } = compareJson([join(run, 'checkpoints', 'step-000000'), run, '--task', 'arith', '--questions', '4']);
  assert.deepEqual(
    result.sides.map((s) => [s.kind, s.step, s.run, s.agents, s.turns]),
    [
      ['checkpoint', 0, run, 2, 2],
      ['checkpoint', 1, run, 2, 2],
    ],
    'the run stands for its latest checkpoint',
  );
  assert.deepEqual(
    result.sides.map((s) => s.generation),
    Array(2).fill({ maxNewTokens: 6, temperature: 1, topP: 1, topK: 0 }),
    "the run's own evaluation settings",
  );
  for (const s of result.sides) assert.equal(s.table.turns.length, 2);
  assert.equal(result.versusBaseline.length, 1);
  assert.deepEqual(
    result.versusBaseline[0].turns.map((t) => t.turn),
    [0, 1],
  );
  const dir = join(run, 'comparisons', result.key);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')), result, 'saved under the run');
  const [a, b] = result.sides.map((s) => transcripts(dir, s.transcripts));
  assert.equal(a.length, 4);
  for (const t of [...a, ...b]) assert.equal(validateTranscriptRecord(t), null);
  assert.deepEqual(
    a.map((t) => t.id),
    b.map((t) => t.id),
    'identical questions in the same order',
  );
  for (const d of result.differing) assert.equal(a[d.line - 1].id, d.id, 'a differing question points at its transcript line');
});

test('a side against itself: the same discussions, zero difference, p = 1', () => {
  const { result } = compareJson([run, run, '--task', 'arith', '--questions', '4']);
  for (const t of result.versusBaseline[0].turns) {
    assert.deepEqual(
      { difference: t.difference, ci: t.ci, pValue: t.pValue, b: t.baselineOnly, c: t.sideOnly },
      { difference: 0, ci: [0, 0], pValue: 1, b: 0, c: 0 },
    );
  }
  assert.deepEqual(result.differing, []);
  const dir = join(run, 'comparisons', result.key);
  assert.equal(
    readFileSync(join(dir, 'side-0.transcripts.jsonl'), 'utf8'),
    readFileSync(join(dir, 'side-1.transcripts.jsonl'), 'utf8'),
    'same sampling seeds, same responses',
  );
});

test('asked again, the saved comparison is printed without recomputing; --force recomputes', () => {
  const args = [run, join(run, 'checkpoints', 'step-000000'), '--task', 'arith', '--questions', '3'];
  const first = compareJson(args);
  const file = join(run, 'comparisons', first.result.key, 'result.json');
  const mtime = statSync(file).mtimeMs;
  const again = compareJson(args);
  assert.match(again.r.stderr, /^using the saved comparison .*comparisons\/[0-9a-f]{16} \(--force recomputes\)$/m);
  assert.deepEqual(again.result, first.result);
  assert.equal(statSync(file).mtimeMs, mtime, 'result.json untouched');
  const forced = compareJson([...args, '--force']);
  assert.doesNotMatch(forced.r.stderr, /using the saved comparison/);
  assert.notEqual(forced.result.createdAt, first.result.createdAt);
  assert.deepEqual(forced.result.sides, first.result.sides, 'the same outcome, recomputed');
  const other = compareJson([...args.slice(0, -1), '4']);
  assert.notEqual(other.result.key, first.result.key, 'another question count is another comparison');
});

test('a base model directory is a team of the config-default size; the human table has a row per turn and side', () => {
  const { result } = compareJson([run, model, '--task', 'arith', '--questions', '2', '--max-new-tokens', '3']);
  assert.deepEqual(
    result.sides.map((s) => [s.kind, s.path, s.step, s.agents, s.turns]),
    [
      ['checkpoint', join(run, 'checkpoints', 'step-000001'), 1, 2, 2],
      ['model', model, null, 3, 3],
    ],
  );
  assert.equal(result.versusBaseline[0].turns.length, 2, 'paired over the turns both sides have');
  const out = join(root, 'elsewhere');
  const r = maporl([
    'compare',
    model,
    run,
    '--task',
    'arith',
    '--questions',
    '2',
    '--max-new-tokens',
    '3',
    '--agents',
    '2',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^arith, 2 questions, seed 0: .*elsewhere\/[0-9a-f]{16}$/, 'a model first: saved under --out');
  assert.match(lines[1], /side 0 {2}base {2}2 agents, 3 turns, temperature 1 {2}\(baseline\)/);
  assert.equal(lines.filter((l) => /^ +\d +\d +\d+\.\d%/.test(l)).length, 3 + 2, 'turns x sides with a turn');
  assert.match(lines.at(-1)!, /of 2 questions end with different majority answers/);
});

test('bad sides are exit 2 with one line naming the path', () => {
  const empty = join(root, 'empty-run');
  mkdirSync(join(empty, 'checkpoints'), { recursive: true });
  assertBadInput(
    maporl(['compare', empty, run, '--task', 'arith']),
    /empty-run: a run directory without a complete checkpoint/,
    'run without checkpoints',
  );
  assertBadInput(
    maporl(['compare', run, join(root, 'nowhere'), '--task', 'arith']),
    /nowhere: no such checkpoint, run or model directory/,
    'missing side',
  );
  const stray = join(root, 'stray');
  mkdirSync(stray);
  assertBadInput(
    maporl(['compare', run, stray, '--task', 'arith']),
    /stray: not a checkpoint \(trainer_state\.json\), a run \(checkpoints\/\) or a model directory/,
    'unknown directory',
  );
  assertBadInput(maporl(['compare', run, '--task', 'arith']), /give at least two sides/, 'one side');
  assertBadInput(
    maporl(['compare', run, run, '--data', join(root, 'none.jsonl'), '--task', 'gsm8k']),
    /none\.jsonl: no such file/,
    'missing data',
  );
});

test('a side retrained in place is compared again, not served from the saved result', async () => {
  const base = join(root, 'retrained');
  const m = await createPresetModel('tiny', 1);
  await saveModel(base, m, { tokenizerFiles: m.tokenizerFiles });
  const args = [run, base, '--task', 'arith', '--questions', '2', '--max-new-tokens', '3', '--agents', '2'];
  const first = compareJson(args);
  const other = await createPresetModel('tiny', 9); // other weights, written where the old ones were
  await saveModel(base, other, { tokenizerFiles: other.tokenizerFiles, overwrite: true });
  const again = compareJson(args);
  assert.doesNotMatch(again.r.stderr, /using the saved comparison/);
  assert.notEqual(again.result.key, first.result.key, 'the key follows the weights, not the path');
  // A checkpoint's key follows its manifest: the same path with other contents is another comparison.
  const copy = join(root, 'run-copy');
  cpSync(run, copy, { recursive: true });
  const ckpt = join(copy, 'checkpoints', 'step-000001');
  const k1 = compareJson([ckpt, base, '--task', 'arith', '--questions', '2', '--max-new-tokens', '3']).result.key;
  const manifest = JSON.parse(readFileSync(join(ckpt, 'manifest.json'), 'utf8'));
  writeFileSync(join(ckpt, 'manifest.json'), JSON.stringify({ ...manifest, written: 'again' }));
  const k2 = compareJson([ckpt, base, '--task', 'arith', '--questions', '2', '--max-new-tokens', '3']).result.key;
  assert.notEqual(k2, k1);
});

test('a damaged checkpoint named explicitly is refused, as eval refuses it', () => {
  const copy = join(root, 'run-damaged');
  cpSync(run, copy, { recursive: true });
  const ckpt = join(copy, 'checkpoints', 'step-000001');
  const manifest = JSON.parse(readFileSync(join(ckpt, 'manifest.json'), 'utf8')) as { files: Record<string, unknown> };
  const victim = join(
    ckpt,
    Object.keys(manifest.files).find((f) => f.endsWith('.safetensors'))!,
  );
  const bytes = readFileSync(victim);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(victim, bytes);
  assertBadInput(
    maporl(['compare', ckpt, run, '--task', 'arith', '--questions', '2']),
    /step-000001: damaged checkpoint/,
    'compare',
  );
  assertBadInput(maporl(['eval', '--checkpoint', ckpt, '--task', 'arith', '--questions', '2']), /damaged checkpoint/, 'eval');
});

test('runs trained on different tasks are not compared on the first one silently', () => {
  const nli = join(root, 'run-nli');
  cpSync(run, nli, { recursive: true });
  const config = JSON.parse(readFileSync(join(nli, 'config.json'), 'utf8'));
  writeFileSync(join(nli, 'config.json'), JSON.stringify({ ...config, task: { ...config.task, type: 'nli' } }));
  assertBadInput(
    maporl(['compare', run, nli, '--questions', '2']),
    /trained on arith, side 1 .* on nli: give --task/,
    'mixed tasks',
  );
});

test("two compares saving the same key at once: both succeed, the second uses the first one's result", async () => {
  const { result } = compareJson([run, run, '--task', 'arith', '--questions', '2']);
  const saved = join(run, 'comparisons', result.key);
  const records = [0, 1].map((i) => transcripts(saved, `side-${i}.transcripts.jsonl`));
  const dir = join(root, 'race', result.key);
  const mine = { ...result, createdAt: 'first' };
  const theirs = { ...result, createdAt: 'second' };
  const [a, b] = await Promise.all([saveComparison(dir, mine, records), saveComparison(dir, theirs, records)]);
  assert.equal(a.createdAt, 'first');
  assert.equal(b.createdAt, 'first', "the loser returns the winner's result");
  assert.equal(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).createdAt, 'first');
});
