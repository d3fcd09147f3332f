// A causal LM as the engine holds it: config, float32 weights by HF name, tokenizer. Read from and
// written to Hugging Face model directories (config.json, model.safetensors, tokenizer files).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gaussian } from '../core/random';
import { dataOf, type HostTensor } from '../core/hostTensor';
import { writeDirAtomic } from '../io/atomic';
import { ModelFileError } from '../io/errors';
import { readHfConfig, writeHfConfig, type ModelConfig } from '../io/hfConfig';
import { ModelWeights, writeModelWeights } from '../io/modelWeights';
import { BUILTIN_SPECIAL_IDS, builtinTokenizer, builtinTokenizerFiles } from '../io/builtinTokenizer';
import { Tokenizer } from '../io/tokenizer';
import { llamaParamShapes } from './llama';
import { presetConfig } from './presets';

export interface CausalLM {
  config: ModelConfig;
  /** float32 weights by HF tensor name; the shapes of llamaParamShapes(config). */
  weights: Record<string, HostTensor>;
  tokenizer: Tokenizer;
  /** Where it was loaded from, if anywhere. */
  dir?: string;
}

/** Tensors a checkpoint may carry that the math does not use. */
const IGNORABLE = [/\.rotary_emb\.inv_freq$/, /^lm_head\.weight$/];

/**
 * The first tensor of the architecture's inventory (`shapes`, in order) that `shapeOf` lacks
 * (`got` undefined) or gives another shape; null when every one matches.
 */
function inventoryMismatch(
  shapes: Record<string, number[]>,
  shapeOf: (name: string) => readonly number[] | undefined,
): { name: string; expected: number[]; got?: readonly number[] } | null {
  for (const [name, expected] of Object.entries(shapes)) {
    const got = shapeOf(name);
    if (!got || got.length !== expected.length || got.some((d, i) => d !== expected[i])) return { name, expected, got };
  }
  return null;
}

/** Reads `dir` and checks that every tensor is present with the shape the config implies. */
export function loadWeights(dir: string, config: ModelConfig): Record<string, HostTensor> {
  const w = ModelWeights.open(dir);
  try {
    const shapes = llamaParamShapes(config);
    const bad = inventoryMismatch(shapes, (name) => (w.has(name) ? w.info(name).shape : undefined));
    if (bad && !bad.got) throw new ModelFileError(dir, `missing tensor (config.json implies shape [${bad.expected}])`, bad.name);
    if (bad)
      throw new ModelFileError(
        w.info(bad.name).file,
        `shape [${bad.got}] does not match config.json, which implies [${bad.expected}]`,
        bad.name,
      );
    const weights: Record<string, HostTensor> = {};
    for (const [name, shape] of Object.entries(shapes)) weights[name] = { dtype: 'float32', shape, data: w.readAsFloat32(name) };
    const unknown = w.names().filter((n) => !(n in shapes) && !IGNORABLE.some((r) => r.test(n)));
    if (unknown.length > 0)
      throw new ModelFileError(
        dir,
        `unexpected tensors for a ${config.architectures[0]}: ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}`,
      );
    return weights;
  } finally {
    w.close();
  }
}

export async function loadModel(dir: string): Promise<CausalLM> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ModelFileError(dir, 'model directory does not exist');
  const config = readHfConfig(dir);
  const tokenizer = await Tokenizer.load(dir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ModelFileError(
      path.join(dir, 'tokenizer.json'),
      `has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`,
    );
  }
  return { config, weights: loadWeights(dir, config), tokenizer, dir };
}

/** Tokenizer files copied next to the weights so the directory is self-contained. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

export interface SaveOptions {
  overwrite?: boolean;
  tokenizerDir?: string;
  tokenizerFiles?: Record<string, string>;
}

/**
 * Writes a complete HF model directory atomically (a killed process leaves only a temp directory).
 * Tokenizer files come from `tokenizerDir` or are given as contents in `tokenizerFiles`.
 */
export async function saveModel(
  dir: string,
  model: Pick<CausalLM, 'config' | 'weights'>,
  options: SaveOptions = {},
): Promise<void> {
  // Write nothing that loadModel would refuse: exactly the architecture's tensors, in their shapes.
  const inventory = llamaParamShapes(model.config);
  const unknown = Object.keys(model.weights).find((name) => !(name in inventory));
  if (unknown) throw new Error(`saveModel: "${unknown}" is not a tensor of this ${model.config.modelType} architecture`);
  const bad = inventoryMismatch(inventory, (name) => model.weights[name]?.shape);
  if (bad && !bad.got) {
    const missing = Object.keys(inventory).filter((n) => !(n in model.weights));
    throw new Error(
      `saveModel: missing tensors ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`,
    );
  }
  if (bad) throw new Error(`saveModel: "${bad.name}" has shape [${bad.got}], the config implies [${bad.expected}]`);
  await writeDirAtomic(
    dir,
    (tmp) => {
      writeHfConfig(tmp, model.config);
      const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [name, t] of Object.entries(model.weights)) tensors[name] = { shape: t.shape, data: dataOf(t, 'float32', name) };
      writeModelWeights(tmp, tensors);
      if (options.tokenizerDir) {
        for (const f of TOKENIZER_FILES) {
          const src = path.join(options.tokenizerDir, f);
          if (fs.existsSync(src)) fs.copyFileSync(src, path.join(tmp, f));
        }
      }
      for (const [f, content] of Object.entries(options.tokenizerFiles ?? {})) fs.writeFileSync(path.join(tmp, f), content);
    },
    { overwrite: options.overwrite },
  );
}

/** Random weights as HF initialises Llama: N(0, 0.02) for matrices, zeros for biases, ones for norms. */
export function initWeights(config: ModelConfig, seed: number): Record<string, HostTensor> {
  const normal = gaussian(seed);
  const weights: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(llamaParamShapes(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('norm.weight')) data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < n; i++) data[i] = 0.02 * normal();
    weights[name] = { dtype: 'float32', shape, data };
  }
  return weights;
}

/** A fresh model of a built-in preset with the built-in tokenizer and seeded random weights. */
export async function createPresetModel(
  preset: string,
  seed: number,
): Promise<CausalLM & { tokenizerFiles: Record<string, string> }> {
  const tokenizer = builtinTokenizer();
  const config = presetConfig(preset, tokenizer.vocabSize, {
    bosTokenId: BUILTIN_SPECIAL_IDS.bos,
    eosTokenId: BUILTIN_SPECIAL_IDS.eos,
    padTokenId: BUILTIN_SPECIAL_IDS.pad,
  });
  const files = builtinTokenizerFiles();
  return {
    config,
    tokenizer,
    weights: initWeights(config, seed),
    tokenizerFiles: {
      'tokenizer.json': JSON.stringify(files.tokenizerJson),
      'tokenizer_config.json': JSON.stringify(files.tokenizerConfig, null, 2),
    },
  };
}
