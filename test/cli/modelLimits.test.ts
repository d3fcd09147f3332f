// Real model files and long inputs: a model whose config.json has more embedding rows than its
// tokenizer has tokens (vocab_size padded, as Qwen2.5's 151936 rows for 151665 tokens) generates,
// evaluates and compares, never sampling a padded row; a prompt, a text or generation.maxNewTokens
// past max_position_embeddings is refused before any work (exit 2, one line naming the input or the
// field); sampling flags out of range are refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createPresetModel, initWeights, saveModel } from '../../src/engine/nn/model';
import { assertBadInput, maporl } from './run';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cli-limits-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const tiny = path.join(root, 'tiny');
const padded = path.join(root, 'padded');
let tokens = 0;

before(async () => {
  const m = await createPresetModel('tiny', 1);
  tokens = m.tokenizer.vocabSize;
  await saveModel(tiny, m, { tokenizerFiles: m.tokenizerFiles });
  // Three times as many rows as tokens: a sampler that can pick a padded row does so almost at once.
  const config = { ...m.config, vocabSize: 3 * tokens };
  await saveModel(padded, { config, weights: initWeights(config, 2) }, { tokenizerFiles: m.tokenizerFiles });
});

test('a padded vocabulary: generate never samples a padded row (they are masked)', () => {
  const r = maporl([
    'generate',
    '--model',
    padded,
    '--prompt',
    '1+2=',
    '--num',
    '4',
    '--max-new-tokens',
    '24',
    '--temperature',
    '1.5',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const gens = JSON.parse(r.stdout) as { tokens: number[]; logprobs: number[] }[];
  assert.equal(gens.length, 4);
  for (const g of gens) {
    assert.ok(g.tokens.length > 0);
    for (const t of g.tokens) assert.ok(t < tokens, `token ${t} is a padded row (the tokenizer has ${tokens})`);
    for (const lp of g.logprobs) assert.ok(Number.isFinite(lp) && lp <= 0);
  }
});

test('a padded vocabulary: eval and compare run on it', () => {
  const e = maporl([
    'eval',
    '--model',
    padded,
    '--task',
    'arith',
    '--questions',
    '2',
    '--agents',
    '2',
    '--turns',
    '2',
    '--max-new-tokens',
    '12',
    '--json',
  ]);
  assert.equal(e.code, 0, e.stderr);
  const out = path.join(root, 'comparisons');
  const c = maporl([
    'compare',
    padded,
    tiny,
    '--task',
    'arith',
    '--questions',
    '2',
    '--agents',
    '2',
    '--turns',
    '1',
    '--max-new-tokens',
    '12',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(c.code, 0, c.stderr);
});

test('a prompt past the context: generate exits 2 in one line naming --prompt and max_position_embeddings', () => {
  const long = 'seven plus eight is fifteen. '.repeat(1400); // about 40,000 characters
  assertBadInput(
    maporl(['generate', '--model', tiny, '--prompt', long]),
    /--prompt: \d+ tokens \+ 64 new tokens exceed .*max_position_embeddings 512/,
    'generate',
  );
  // Short enough alone, too long with the new tokens.
  assertBadInput(
    maporl(['generate', '--model', tiny, '--prompt', 'x', '--max-new-tokens', '600']),
    /max_position_embeddings 512/,
    'new tokens',
  );
});

test('logprobs: a text past the context, or a folder as --text-file, exits 2 in one line', () => {
  const file = path.join(root, 'long.txt');
  fs.writeFileSync(file, 'seven plus eight is fifteen. '.repeat(1400));
  assertBadInput(
    maporl(['logprobs', '--model', tiny, '--text-file', file]),
    /long\.txt: \d+ tokens exceed .*max_position_embeddings 512/,
    'logprobs',
  );
  assertBadInput(maporl(['logprobs', '--model', tiny, '--text-file', root]), /not a file/, '--text-file DIR');
});

test("generation.maxNewTokens past the agents' context fails validation, naming the field", () => {
  const config = path.join(root, 'long.maporl.json');
  fs.writeFileSync(
    config,
    JSON.stringify({ training: { mode: 'none' }, verifier: { type: 'ground-truth' }, generation: { maxNewTokens: 600 } }),
  );
  assertBadInput(
    maporl(['train', config, '--out', path.join(root, 'run')]),
    /long\.maporl\.json: generation\.maxNewTokens: 600 .*max_position_embeddings 512/,
    'train',
  );
  assert.ok(!fs.existsSync(path.join(root, 'run')));
});

test('sampling flags out of range are refused before the model loads', () => {
  for (const [flag, value] of [
    ['--top-p', '2'],
    ['--top-p', '0'],
    ['--temperature', '-1'],
    ['--num', '0'],
    ['--num', '1000000000'],
    ['--top-k', '-3'],
    ['--max-new-tokens', '0x4'],
  ])
    assertBadInput(maporl(['generate', '--model', tiny, '--prompt', 'x', flag, value]), new RegExp(flag), `${flag} ${value}`);
  assertBadInput(maporl(['eval', '--model', tiny, '--task', 'arith', '--questions', '0x4']), /--questions/, '--questions 0x4');
  assertBadInput(
    maporl(['eval', '--model', tiny, '--task', 'arith', '--questions', '1000000000']),
    /--questions must be between/,
    '--questions 1e9',
  );
});

test("eval and compare: --max-new-tokens past a side's context is refused before any evaluation", () => {
  assertBadInput(
    maporl(['eval', '--model', tiny, '--task', 'arith', '--questions', '2', '--max-new-tokens', '600']),
    /--max-new-tokens 600 does not fit the context of model .*max_position_embeddings 512/,
    'eval',
  );
  const out = path.join(root, 'never');
  assertBadInput(
    maporl(['compare', tiny, padded, '--task', 'arith', '--questions', '2', '--max-new-tokens', '512', '--out', out]),
    /--max-new-tokens 512 does not fit .*max_position_embeddings 512.*\(side tiny\)/,
    'compare',
  );
  assert.ok(!fs.existsSync(out));
});
