// `maporl init-model`, `generate` and `logprobs` as a user runs them: outputs, exit code 2 with one
// line naming the file for bad model directories, nothing overwritten without --force, and the
// log-probabilities equal to PyTorch's for the same model directory.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { saveModel } from '../../src/engine/nn/model';
import { randomModel } from '../engine/nn/helpers';
import { runTorch } from '../helpers/torch';
import { assertBadInput, maporl } from './run';

const root = mkdtempSync(join(tmpdir(), 'maporl-cli-'));
const tiny = join(root, 'tiny');
after(() => rmSync(root, { recursive: true, force: true }));

before(() => {
  const r = maporl(['init-model', '--preset', 'tiny', '--out', tiny, '--seed', '3']);
  assert.equal(r.code, 0, r.stderr);
});

test('init-model writes an HF model directory and never overwrites it without --force', () => {
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
    assert.ok(statSync(join(tiny, f)).size > 0, f);
  const config = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['LlamaForCausalLM']);
  const weights = readFileSync(join(tiny, 'model.safetensors'));
  assertBadInput(
    maporl(['init-model', '--preset', 'tiny', '--out', tiny, '--seed', '4']),
    /tiny: already exists \(use --force/,
    'existing dir',
  );
  assert.deepEqual(readFileSync(join(tiny, 'model.safetensors')), weights, 'left as it was');
  assertBadInput(maporl(['init-model', '--preset', 'huge', '--out', join(root, 'x')]), /unknown preset "huge"/, 'unknown preset');
  const forced = join(root, 'forced');
  cpSync(tiny, forced, { recursive: true });
  assert.equal(maporl(['init-model', '--preset', 'tiny', '--out', forced, '--seed', '4', '--force']).code, 0);
  assert.notDeepEqual(readFileSync(join(forced, 'model.safetensors')), weights, 'replaced with --force');
});

test('generate samples text; a broken model directory is exit 2 with one line naming the file', () => {
  const ok = maporl([
    'generate',
    '--model',
    tiny,
    '--prompt',
    'Tom has 3 pens.',
    '--max-new-tokens',
    '5',
    '--num',
    '2',
    '--seed',
    '1',
    '--json',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const gens = JSON.parse(ok.stdout);
  assert.equal(gens.length, 2);
  for (const g of gens) assert.ok(g.tokens.length >= 1 && g.tokens.length <= 5);
  // Weights fed at each run generate the same tokens as embedded ones (the default at this size).
  const fed = maporl([
    'generate',
    '--model',
    tiny,
    '--prompt',
    'Tom has 3 pens.',
    '--max-new-tokens',
    '5',
    '--num',
    '2',
    '--seed',
    '1',
    '--json',
    '--frozen-weights',
    'fed',
  ]);
  assert.equal(fed.code, 0, fed.stderr);
  assert.deepEqual(
    JSON.parse(fed.stdout).map((g: { tokens: number[] }) => g.tokens),
    gens.map((g: { tokens: number[] }) => g.tokens),
  );
  assertBadInput(
    maporl(['generate', '--model', tiny, '--prompt', 'x', '--frozen-weights', 'disk']),
    /--frozen-weights must be auto, embedded or fed, got "disk"/,
    'bad --frozen-weights',
  );

  const noConfig = join(root, 'no-config');
  cpSync(tiny, noConfig, { recursive: true });
  rmSync(join(noConfig, 'config.json'));
  assertBadInput(
    maporl(['generate', '--model', noConfig, '--prompt', 'x']),
    new RegExp(`${noConfig}/config\\.json: cannot read \\(ENOENT\\)`),
    'missing config.json',
  );

  const arch = join(root, 'gpt2');
  cpSync(tiny, arch, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(tiny, 'config.json'), 'utf8'));
  writeFileSync(join(arch, 'config.json'), JSON.stringify({ ...cfg, architectures: ['GPT2LMHeadModel'] }));
  assertBadInput(
    maporl(['generate', '--model', arch, '--prompt', 'x']),
    /gpt2\/config\.json: architectures\[0\]: "GPT2LMHeadModel" is not supported/,
    'unsupported architecture',
  );

  const shape = join(root, 'bad-shape');
  cpSync(tiny, shape, { recursive: true });
  writeFileSync(join(shape, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: cfg.intermediate_size + 8 }));
  assertBadInput(
    maporl(['generate', '--model', shape, '--prompt', 'x']),
    /bad-shape\/model\.safetensors: shape \[176,64\] does not match config\.json, which implies \[184,64\] \(tensor "model\.layers\.0\.mlp\.gate_proj\.weight"\)/,
    'tensor of the wrong shape',
  );

  const missing = join(root, 'missing-tensor');
  cpSync(tiny, missing, { recursive: true });
  writeSafetensors(join(missing, 'model.safetensors'), {
    'model.embed_tokens.weight': { shape: [512, 64], data: new Float32Array(512 * 64) },
  });
  assertBadInput(
    maporl(['generate', '--model', missing, '--prompt', 'x']),
    /missing-tensor: missing tensor .*\(tensor "model\.layers\.0\.input_layernorm\.weight"\)/,
    'missing tensor',
  );

  const truncated = join(root, 'truncated');
  cpSync(tiny, truncated, { recursive: true });
  writeFileSync(join(truncated, 'model.safetensors'), readFileSync(join(tiny, 'model.safetensors')).subarray(0, 4000));
  assertBadInput(
    maporl(['generate', '--model', truncated, '--prompt', 'x']),
    /truncated\/model\.safetensors: /,
    'truncated weights',
  );

  assertBadInput(
    maporl(['generate', '--model', join(root, 'nowhere'), '--prompt', 'x']),
    /nowhere: model directory does not exist/,
    'no directory',
  );
});

test("logprobs prints {ids, tokens, logprobs} equal to PyTorch's log-probabilities of the same directory", async () => {
  const model = await randomModel({ modelType: 'qwen2', numKeyValueHeads: 1, tieWordEmbeddings: false }, 12);
  const dir = join(root, 'qwen');
  await saveModel(dir, model, { tokenizerFiles: model.tokenizerFiles });
  const text = join(root, 'text.txt');
  writeFileSync(text, 'Ann has 4 bags of 3 eggs. She gives 2 eggs to Bo. How many eggs does Ann have now? Answer: 10');
  const r = maporl(['logprobs', '--model', dir, '--text-file', text]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: number[]; tokens: string[]; logprobs: (number | null)[] };
  assert.equal(out.tokens.length, out.ids.length);
  assert.equal(out.logprobs[0], null);
  const ref = runTorch<{ logprobs: (number | null)[] }>('llama_parity.py', { task: 'logprobs', modelDir: dir, ids: out.ids });
  assert.equal(ref.logprobs.length, out.logprobs.length);
  const diffs = out.logprobs.slice(1).map((lp, i) => Math.abs(lp! - ref.logprobs[i + 1]!));
  assert.ok(Math.max(...diffs) <= 1e-4, `max |ours - torch| = ${Math.max(...diffs)}`);
  assert.ok(Math.min(...(out.logprobs.slice(1) as number[])) < -2, 'wide random weights give non-trivial log-probabilities');
  assertBadInput(
    maporl(['logprobs', '--model', dir, '--text-file', join(root, 'absent.txt')]),
    /absent\.txt: no such file/,
    'missing text file',
  );
});
