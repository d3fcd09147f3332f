import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../../src/engine/io/errors';
import {
  completeModelConfig,
  eosTokenIds,
  hfConfigJson,
  parseHfConfig,
  readHfConfig,
  writeHfConfig,
} from '../../../src/engine/io/hfConfig';

// Abridged from the published config.json files of these models (fields that matter here).
const smolLm2 = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  hidden_act: 'silu',
  rms_norm_eps: 1e-5,
  rope_theta: 100000,
  rope_scaling: null,
  max_position_embeddings: 8192,
  vocab_size: 49152,
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
  bos_token_id: 1,
  eos_token_id: 2,
  pad_token_id: 2,
  torch_dtype: 'bfloat16',
  transformers_version: '4.42.3',
};
const qwen25 = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  hidden_act: 'silu',
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  max_position_embeddings: 32768,
  vocab_size: 151936,
  tie_word_embeddings: true,
  bos_token_id: 151643,
  eos_token_id: 151643,
  sliding_window: 32768,
  use_sliding_window: false,
  max_window_layers: 21,
};
const llama31 = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  rope_scaling: {
    factor: 8.0,
    low_freq_factor: 1.0,
    high_freq_factor: 4.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  max_position_embeddings: 131072,
  vocab_size: 128256,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
};

function problem(json: unknown): string {
  try {
    parseHfConfig(json, 'm/config.json');
  } catch (err) {
    assert.ok(err instanceof ModelFileError, String(err));
    assert.ok(!err.message.includes('\n'));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

test('SmolLM2 (Llama, tied, GQA): fields mapped, head_dim derived', () => {
  const c = parseHfConfig(smolLm2);
  assert.equal(c.modelType, 'llama');
  assert.equal(c.headDim, 64);
  assert.equal(c.numKeyValueHeads, 3);
  assert.equal(c.rmsNormEps, 1e-5);
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.attentionBias, false);
  assert.equal(c.attentionOutputBias, false);
  assert.deepEqual([c.bosTokenId, c.eosTokenId, c.padTokenId], [1, 2, 2]);
  assert.equal(c.ropeScaling, null);
});

test('Qwen2.5: q/k/v bias without a config field, sliding window off is fine', () => {
  const c = parseHfConfig(qwen25);
  assert.equal(c.modelType, 'qwen2');
  assert.equal(c.attentionBias, true);
  assert.equal(c.attentionOutputBias, false);
  assert.equal(c.headDim, 64);
  assert.equal(c.padTokenId, null);
  assert.match(
    problem({ ...qwen25, use_sliding_window: true }),
    /^m\/config\.json: use_sliding_window: sliding-window attention is not supported$/,
  );
});

test('Llama 3.1: llama3 rope scaling and several eos ids', () => {
  const c = parseHfConfig(llama31);
  assert.deepEqual(c.ropeScaling, {
    ropeType: 'llama3',
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 8192,
  });
  assert.deepEqual(eosTokenIds(c), [128001, 128008, 128009]);
  assert.equal(c.headDim, 128);
});

test('defaults of each model type fill what a config leaves out', () => {
  const minimal = { hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 300 };
  const llama = parseHfConfig({ ...minimal, model_type: 'llama' });
  assert.deepEqual(llama.architectures, ['LlamaForCausalLM']);
  assert.deepEqual(
    [llama.numKeyValueHeads, llama.headDim, llama.rmsNormEps, llama.ropeTheta, llama.maxPositionEmbeddings],
    [4, 16, 1e-6, 10000, 2048],
  );
  assert.deepEqual([llama.bosTokenId, llama.eosTokenId, llama.padTokenId, llama.tieWordEmbeddings], [1, 2, null, false]);
  const mistral = parseHfConfig({ ...minimal, architectures: ['MistralForCausalLM'], sliding_window: null });
  assert.equal(mistral.maxPositionEmbeddings, 131072);
  const qwen = parseHfConfig({ ...minimal, model_type: 'qwen2' });
  assert.deepEqual([qwen.bosTokenId, qwen.eosTokenId], [null, null]);
  assert.equal(parseHfConfig({ ...minimal, model_type: 'llama', head_dim: 32 }).headDim, 32);
  assert.equal(parseHfConfig({ ...minimal, model_type: 'llama', pad_token_id: -1 }).padTokenId, null);
  const biased = parseHfConfig({ ...minimal, model_type: 'llama', attention_bias: true });
  assert.deepEqual([biased.attentionBias, biased.attentionOutputBias], [true, true]);
});

test('bad configs: one line naming the file, the JSON path and the problem', () => {
  const base = { ...smolLm2 };
  const cases: [unknown, RegExp][] = [
    [[1], /^m\/config\.json: \(root\): Invalid input: expected object, received array$/],
    [{ ...base, hidden_size: undefined }, /^m\/config\.json: hidden_size: missing \(expected number\)$/],
    [{ ...base, num_hidden_layers: 2.5 }, /^m\/config\.json: num_hidden_layers: .*int/],
    [{ ...base, vocab_size: -3 }, /^m\/config\.json: vocab_size: Too small/],
    [
      { ...base, architectures: ['GemmaForCausalLM'] },
      /^m\/config\.json: architectures\[0\]: "GemmaForCausalLM" is not supported \(supported: LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM\)$/,
    ],
    [{ ...base, architectures: [3] }, /^m\/config\.json: architectures\[0\]: Invalid input: expected string/],
    [
      { ...base, model_type: 'qwen2' },
      /^m\/config\.json: model_type: "qwen2" does not match architectures\[0\] "LlamaForCausalLM"/,
    ],
    [{ ...base, architectures: undefined, model_type: 'gpt2' }, /^m\/config\.json: model_type: "gpt2" is not supported/],
    [{ ...base, architectures: undefined, model_type: undefined }, /^m\/config\.json: architectures: missing/],
    [{ ...base, num_key_value_heads: 4 }, /^m\/config\.json: num_key_value_heads: 4 does not divide num_attention_heads 9$/],
    [{ ...base, hidden_size: 577 }, /^m\/config\.json: hidden_size: 577 is not divisible by num_attention_heads 9/],
    [{ ...base, head_dim: 63 }, /^m\/config\.json: head_dim: head dimension 63 is odd/],
    [{ ...base, hidden_act: 'gelu' }, /^m\/config\.json: hidden_act: "gelu" is not supported/],
    [{ ...base, mlp_bias: true }, /^m\/config\.json: mlp_bias: MLP biases are not supported$/],
    [
      { ...base, rope_scaling: { type: 'linear', factor: 2 } },
      /^m\/config\.json: rope_scaling\.type: "linear" is not supported \(supported: null, "default", "llama3"\)$/,
    ],
    [
      { ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } },
      /^m\/config\.json: rope_scaling\.rope_type: "yarn" is not supported/,
    ],
    [
      { ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } },
      /^m\/config\.json: rope_scaling\.low_freq_factor: missing \(expected number\)$/,
    ],
    [
      { ...base, rope_scaling: { ...llama31.rope_scaling, high_freq_factor: 0.5 } },
      /rope_scaling\.high_freq_factor: 0\.5 must exceed low_freq_factor 1/,
    ],
    [{ ...base, eos_token_id: 'x' }, /^m\/config\.json: eos_token_id: expected a token id or a non-empty array of token ids$/],
    [{ ...base, eos_token_id: [2, 60000] }, /^m\/config\.json: eos_token_id\[1\]: token id 60000 is not below vocab_size 49152$/],
    [
      { ...base, architectures: ['MistralForCausalLM'], model_type: 'mistral', sliding_window: 4096 },
      /^m\/config\.json: sliding_window: sliding-window attention \(4096 < max_position_embeddings 8192\) is not supported$/,
    ],
  ];
  for (const [json, pattern] of cases) assert.match(problem(json), pattern);
});

test('readHfConfig: from a directory or a file, with file errors named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cfg-'));
  assert.throws(() => readHfConfig(dir), /config\.json: cannot read \(ENOENT\)/);
  fs.writeFileSync(path.join(dir, 'config.json'), '{"hidden_size": 4,');
  assert.throws(() => readHfConfig(dir), /config\.json: not valid JSON/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(smolLm2));
  assert.equal(readHfConfig(dir).hiddenSize, 576);
  assert.equal(readHfConfig(path.join(dir, 'config.json')).hiddenSize, 576);
});

test('writeHfConfig writes HF field names and round-trips for each architecture', () => {
  for (const source of [smolLm2, qwen25, llama31, { ...smolLm2, architectures: ['MistralForCausalLM'], model_type: 'mistral' }]) {
    const cfg = parseHfConfig(source);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cfg-'));
    writeHfConfig(dir, cfg);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(written.architectures[0], source.architectures[0]);
    assert.equal(written.num_key_value_heads, cfg.numKeyValueHeads);
    assert.equal(written.hidden_act, 'silu');
    assert.equal('attention_bias' in written, cfg.modelType === 'llama');
    assert.deepEqual(readHfConfig(dir), cfg);
  }
  const qwen = parseHfConfig(qwen25);
  assert.throws(() => hfConfigJson({ ...qwen, attentionBias: false }), /qwen2 model always has q\/k\/v biases/);
});

test('completeModelConfig fills defaults and validates like a config.json', () => {
  const c = completeModelConfig({
    hiddenSize: 64,
    intermediateSize: 176,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    vocabSize: 512,
    tieWordEmbeddings: true,
  });
  assert.deepEqual([c.modelType, c.headDim, c.ropeTheta, c.architectures[0]], ['llama', 16, 10000, 'LlamaForCausalLM']);
  assert.deepEqual(parseHfConfig(hfConfigJson(c)), c);
  assert.throws(
    () =>
      completeModelConfig(
        { hiddenSize: 64, intermediateSize: 1, numHiddenLayers: 1, numAttentionHeads: 3, vocabSize: 8 },
        'preset tiny',
      ),
    /^ModelFileError: preset tiny: hidden_size: 64 is not divisible by num_attention_heads 3/,
  );
});
