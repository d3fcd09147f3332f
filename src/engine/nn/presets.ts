// Built-in model presets. `tiny` and `small` train on two CPU cores in minutes; the `-shape` presets
// are real architectures with random weights, for measuring speed and memory at real size without
// downloading a checkpoint (their configs copy the public config.json values of those models).
import { completeModelConfig, type ModelConfig, type ModelConfigInput } from '../io/hfConfig';

export const PRESETS: Record<string, (vocabSize: number) => ModelConfigInput> = {
  tiny: (vocabSize) => ({
    hiddenSize: 64,
    intermediateSize: 176,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    vocabSize,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 512,
    ropeTheta: 10000,
  }),
  small: (vocabSize) => ({
    hiddenSize: 128,
    intermediateSize: 352,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    vocabSize,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 1024,
    ropeTheta: 10000,
  }),
  // Qwen/Qwen2.5-0.5B: q/k/v bias, tied embeddings, 14 query and 2 key/value heads.
  'qwen2.5-0.5b-shape': () => ({
    modelType: 'qwen2',
    hiddenSize: 896,
    intermediateSize: 4864,
    numHiddenLayers: 24,
    numAttentionHeads: 14,
    numKeyValueHeads: 2,
    vocabSize: 151936,
    tieWordEmbeddings: true,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    maxPositionEmbeddings: 32768,
  }),
  // HuggingFaceTB/SmolLM2-135M
  'smollm2-135m-shape': () => ({
    hiddenSize: 576,
    intermediateSize: 1536,
    numHiddenLayers: 30,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    vocabSize: 49152,
    tieWordEmbeddings: true,
    ropeTheta: 100000,
    rmsNormEps: 1e-5,
    maxPositionEmbeddings: 8192,
  }),
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** The model config of a preset, for a tokenizer of `vocabSize` tokens (ignored by shape presets). */
export function presetConfig(
  name: string,
  vocabSize: number,
  ids: Pick<ModelConfig, 'bosTokenId' | 'eosTokenId' | 'padTokenId'>,
): ModelConfig {
  const make = PRESETS[name];
  if (!make) throw new Error(`unknown preset "${name}" (known: ${presetNames().join(', ')})`);
  return completeModelConfig({ ...make(vocabSize), ...ids }, `preset ${name}`);
}
