// Hugging Face `config.json` of a Llama-family causal LM <-> our validated `ModelConfig`.
// Field names and defaults follow transformers' LlamaConfig, Qwen2Config and MistralConfig
// (configuration_llama.py, configuration_qwen2.py, configuration_mistral.py). Anything that would
// change the math and that we do not implement is refused with `<file>: <json.path>: <problem>`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ModelFileError } from './errors';
import { writeJsonAtomic } from './atomic';
import { readJsonFile } from './jsonFile';

export type ModelType = 'llama' | 'qwen2' | 'mistral';

/** The architectures we run, with the `model_type` each implies. */
export const SUPPORTED_ARCHITECTURES: Readonly<Record<string, ModelType>> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  MistralForCausalLM: 'mistral',
};
const ARCHITECTURE_OF: Record<ModelType, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  mistral: 'MistralForCausalLM',
};

/** Llama 3.1 frequency-dependent RoPE scaling (HF `rope_type: "llama3"`). */
export interface Llama3RopeScaling {
  ropeType: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** A validated model configuration with every default filled in. */
export interface ModelConfig {
  /** e.g. ['LlamaForCausalLM']; the first one decides `modelType`. */
  architectures: string[];
  modelType: ModelType;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Grouped-query attention: heads share K/V in groups of numAttentionHeads / numKeyValueHeads. */
  numKeyValueHeads: number;
  /** Per-head width; hiddenSize / numAttentionHeads unless the config says otherwise. */
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  maxPositionEmbeddings: number;
  vocabSize: number;
  /** lm_head shares the embedding matrix (and `lm_head.weight` is usually absent from the weights). */
  tieWordEmbeddings: boolean;
  /** q_proj, k_proj and v_proj have a bias (always for Qwen2; `attention_bias` for Llama). */
  attentionBias: boolean;
  /** o_proj has a bias too (Llama with `attention_bias: true`; never Qwen2 or Mistral). */
  attentionOutputBias: boolean;
  bosTokenId: number | null;
  /** One id or several (Llama 3 instruct models stop on any of them). */
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
}

const DEFAULTS: Record<
  ModelType,
  { rmsNormEps: number; ropeTheta: number; maxPositionEmbeddings: number; bos: number | null; eos: number | null }
> = {
  llama: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048, bos: 1, eos: 2 },
  mistral: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 4096 * 32, bos: 1, eos: 2 },
  qwen2: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768, bos: null, eos: null },
};

const count = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

// The HF fields we read; others (torch_dtype, initializer_range, use_cache, ...) are ignored.
const HfConfigSchema = z.looseObject({
  architectures: z.array(z.string()).min(1).optional(),
  model_type: z.string().optional(),
  hidden_size: count,
  intermediate_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  num_key_value_heads: count.nullish(),
  head_dim: count.nullish(),
  hidden_act: z.string().optional(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().optional(),
  rope_scaling: z.looseObject({ rope_type: z.string().optional(), type: z.string().optional() }).nullish(),
  max_position_embeddings: count.optional(),
  vocab_size: count,
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z
    .union([tokenId, z.array(tokenId).min(1)], { error: 'expected a token id or a non-empty array of token ids' })
    .nullish(),
  // Some converted Llama checkpoints say -1 for "no padding token".
  pad_token_id: z.number().int().nullish(),
  sliding_window: count.nullish(),
  use_sliding_window: z.boolean().optional(),
});

const Llama3ScalingSchema = z.looseObject({
  factor: z.number().positive(),
  low_freq_factor: z.number().positive(),
  high_freq_factor: z.number().positive(),
  original_max_position_embeddings: count,
});

class ConfigProblem extends Error {
  constructor(
    readonly jsonPath: string,
    what: string,
  ) {
    super(what);
  }
}

function jsonPathOf(p: readonly PropertyKey[]): string {
  return (
    p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '') ||
    '(root)'
  );
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: PropertyKey[] = []): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const message = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'missing (expected $1)');
  throw new ConfigProblem(jsonPathOf([...prefix, ...issue.path]), message);
}

/** Validates a parsed `config.json` object; `file` names it in errors. Throws ModelFileError. */
export function parseHfConfig(json: unknown, file = 'config.json'): ModelConfig {
  try {
    return toModelConfig(parseWith(HfConfigSchema, json));
  } catch (err) {
    if (err instanceof ConfigProblem) throw new ModelFileError(file, `${err.jsonPath}: ${err.message}`);
    throw err;
  }
}

/** Reads `<dir>/config.json` (or the file itself when given a file path). */
export function readHfConfig(dirOrFile: string): ModelConfig {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory() ? path.join(dirOrFile, 'config.json') : dirOrFile;
  return parseHfConfig(readJsonFile(file), file);
}

function toModelConfig(raw: z.infer<typeof HfConfigSchema>): ModelConfig {
  const modelType = resolveModelType(raw.architectures, raw.model_type);
  const d = DEFAULTS[modelType];
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    throw new ConfigProblem('hidden_act', `"${raw.hidden_act}" is not supported (only "silu")`);
  }
  if (raw.mlp_bias) throw new ConfigProblem('mlp_bias', 'MLP biases are not supported');

  const heads = raw.num_attention_heads;
  const kvHeads = raw.num_key_value_heads ?? heads;
  if (heads % kvHeads !== 0)
    throw new ConfigProblem('num_key_value_heads', `${kvHeads} does not divide num_attention_heads ${heads}`);
  if (raw.head_dim == null && raw.hidden_size % heads !== 0) {
    throw new ConfigProblem(
      'hidden_size',
      `${raw.hidden_size} is not divisible by num_attention_heads ${heads} (and head_dim is not given)`,
    );
  }
  const headDim = raw.head_dim ?? raw.hidden_size / heads;
  if (headDim % 2 !== 0)
    throw new ConfigProblem(
      raw.head_dim == null ? 'hidden_size' : 'head_dim',
      `head dimension ${headDim} is odd (RoPE rotates pairs)`,
    );

  const maxPositionEmbeddings = raw.max_position_embeddings ?? d.maxPositionEmbeddings;
  if (modelType === 'qwen2' && raw.use_sliding_window)
    throw new ConfigProblem('use_sliding_window', 'sliding-window attention is not supported');
  if (modelType === 'mistral' && raw.sliding_window != null && raw.sliding_window < maxPositionEmbeddings) {
    throw new ConfigProblem(
      'sliding_window',
      `sliding-window attention (${raw.sliding_window} < max_position_embeddings ${maxPositionEmbeddings}) is not supported`,
    );
  }

  const vocabSize = raw.vocab_size;
  const checkId = (field: string, id: number): number => {
    if (id >= vocabSize) throw new ConfigProblem(field, `token id ${id} is not below vocab_size ${vocabSize}`);
    return id;
  };
  const bos = raw.bos_token_id === undefined ? d.bos : raw.bos_token_id;
  const eos = raw.eos_token_id === undefined ? d.eos : raw.eos_token_id;
  const pad = raw.pad_token_id == null || raw.pad_token_id < 0 ? null : raw.pad_token_id;

  // Qwen2 always has q/k/v biases and its config has no field for them; Mistral never has them.
  const llamaBias = modelType === 'llama' && raw.attention_bias === true;
  return {
    architectures: raw.architectures ?? [ARCHITECTURE_OF[modelType]],
    modelType,
    hiddenSize: raw.hidden_size,
    intermediateSize: raw.intermediate_size,
    numHiddenLayers: raw.num_hidden_layers,
    numAttentionHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim,
    rmsNormEps: raw.rms_norm_eps ?? d.rmsNormEps,
    ropeTheta: raw.rope_theta ?? d.ropeTheta,
    ropeScaling: parseRopeScaling(raw.rope_scaling),
    maxPositionEmbeddings,
    vocabSize,
    tieWordEmbeddings: raw.tie_word_embeddings ?? false,
    attentionBias: modelType === 'qwen2' || llamaBias,
    attentionOutputBias: llamaBias,
    bosTokenId: bos == null ? null : checkId('bos_token_id', bos),
    eosTokenId:
      eos == null
        ? null
        : Array.isArray(eos)
          ? eos.map((id, i) => checkId(`eos_token_id[${i}]`, id))
          : checkId('eos_token_id', eos),
    padTokenId: pad == null ? null : checkId('pad_token_id', pad),
  };
}

function resolveModelType(architectures: string[] | undefined, modelType: string | undefined): ModelType {
  const supported = Object.keys(SUPPORTED_ARCHITECTURES).join(', ');
  if (architectures) {
    const arch = architectures[0]!;
    const implied = SUPPORTED_ARCHITECTURES[arch];
    if (!implied) throw new ConfigProblem('architectures[0]', `"${arch}" is not supported (supported: ${supported})`);
    if (modelType !== undefined && modelType !== implied) {
      throw new ConfigProblem('model_type', `"${modelType}" does not match architectures[0] "${arch}" (expected "${implied}")`);
    }
    return implied;
  }
  const fromType = Object.values(SUPPORTED_ARCHITECTURES).find((t) => t === modelType);
  if (fromType) return fromType;
  if (modelType === undefined)
    throw new ConfigProblem('architectures', `missing (and no model_type either); supported: ${supported}`);
  throw new ConfigProblem('model_type', `"${modelType}" is not supported (supported: llama, qwen2, mistral)`);
}

function parseRopeScaling(raw: { rope_type?: string; type?: string } | null | undefined): Llama3RopeScaling | null {
  if (raw == null) return null;
  const ropeType = raw.rope_type ?? raw.type; // `type` is the pre-4.43 spelling
  if (ropeType === 'default') return null;
  if (ropeType !== 'llama3') {
    const field = raw.rope_type !== undefined ? 'rope_scaling.rope_type' : 'rope_scaling.type';
    throw new ConfigProblem(
      field,
      `${ropeType === undefined ? 'missing' : `"${ropeType}" is not supported`} (supported: null, "default", "llama3")`,
    );
  }
  const s = parseWith(Llama3ScalingSchema, raw, ['rope_scaling']);
  if (s.high_freq_factor <= s.low_freq_factor) {
    throw new ConfigProblem(
      'rope_scaling.high_freq_factor',
      `${s.high_freq_factor} must exceed low_freq_factor ${s.low_freq_factor}`,
    );
  }
  return {
    ropeType: 'llama3',
    factor: s.factor,
    lowFreqFactor: s.low_freq_factor,
    highFreqFactor: s.high_freq_factor,
    originalMaxPositionEmbeddings: s.original_max_position_embeddings,
  };
}

/** All end-of-sequence ids (an empty list when there is none). */
export function eosTokenIds(cfg: ModelConfig): number[] {
  return cfg.eosTokenId === null ? [] : Array.isArray(cfg.eosTokenId) ? [...cfg.eosTokenId] : [cfg.eosTokenId];
}

/** The HF `config.json` object for `cfg`, as `save_pretrained` would write it. */
export function hfConfigJson(cfg: ModelConfig): Record<string, unknown> {
  if (cfg.modelType === 'qwen2' && (!cfg.attentionBias || cfg.attentionOutputBias)) {
    throw new Error('a qwen2 model always has q/k/v biases and no o_proj bias');
  }
  if (cfg.modelType === 'mistral' && cfg.attentionBias) throw new Error('a mistral model has no attention biases');
  if (cfg.modelType === 'llama' && cfg.attentionBias !== cfg.attentionOutputBias) {
    throw new Error('a llama model has biases on all of q/k/v/o_proj or on none (attention_bias)');
  }
  return {
    architectures: cfg.architectures,
    model_type: cfg.modelType,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    num_key_value_heads: cfg.numKeyValueHeads,
    head_dim: cfg.headDim,
    hidden_act: 'silu',
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    rope_scaling: ropeScalingJson(cfg.ropeScaling),
    max_position_embeddings: cfg.maxPositionEmbeddings,
    vocab_size: cfg.vocabSize,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    ...(cfg.modelType === 'llama' ? { attention_bias: cfg.attentionBias, mlp_bias: false } : {}),
    ...(cfg.modelType === 'qwen2' ? { use_sliding_window: false, sliding_window: null } : {}),
    ...(cfg.modelType === 'mistral' ? { sliding_window: null } : {}),
    attention_dropout: 0.0,
    bos_token_id: cfg.bosTokenId,
    eos_token_id: cfg.eosTokenId,
    pad_token_id: cfg.padTokenId,
    initializer_range: 0.02,
    torch_dtype: 'float32',
    use_cache: true,
  };
}

function ropeScalingJson(rope: Llama3RopeScaling | null): Record<string, unknown> | null {
  return (
    rope && {
      rope_type: 'llama3',
      factor: rope.factor,
      low_freq_factor: rope.lowFreqFactor,
      high_freq_factor: rope.highFreqFactor,
      original_max_position_embeddings: rope.originalMaxPositionEmbeddings,
    }
  );
}

/** Writes `<dir>/config.json` atomically, after checking that it parses back to `cfg`. */
export function writeHfConfig(dir: string, cfg: ModelConfig): void {
  const json = hfConfigJson(cfg);
  parseHfConfig(json, path.join(dir, 'config.json')); // refuse to write what we could not read back
  writeJsonAtomic(path.join(dir, 'config.json'), json);
}

/** The fields a preset must give; everything else gets the HF default of its model type. */
export type ModelConfigInput = Pick<
  ModelConfig,
  'hiddenSize' | 'intermediateSize' | 'numHiddenLayers' | 'numAttentionHeads' | 'vocabSize'
> &
  Partial<ModelConfig>;

/** A complete, validated ModelConfig from the essential fields (for built-in presets). */
export function completeModelConfig(input: ModelConfigInput, label = '<model config>'): ModelConfig {
  const modelType = input.modelType ?? 'llama';
  const json: Record<string, unknown> = {
    architectures: input.architectures ?? [ARCHITECTURE_OF[modelType]],
    model_type: modelType,
    hidden_size: input.hiddenSize,
    intermediate_size: input.intermediateSize,
    num_hidden_layers: input.numHiddenLayers,
    num_attention_heads: input.numAttentionHeads,
    num_key_value_heads: input.numKeyValueHeads,
    head_dim: input.headDim,
    rms_norm_eps: input.rmsNormEps,
    rope_theta: input.ropeTheta,
    max_position_embeddings: input.maxPositionEmbeddings,
    vocab_size: input.vocabSize,
    tie_word_embeddings: input.tieWordEmbeddings,
    attention_bias: modelType === 'llama' ? input.attentionBias : undefined,
    bos_token_id: input.bosTokenId,
    eos_token_id: input.eosTokenId,
    pad_token_id: input.padTokenId,
    rope_scaling: ropeScalingJson(input.ropeScaling ?? null),
  };
  return parseHfConfig(json, label);
}
