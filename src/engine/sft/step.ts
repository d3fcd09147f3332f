// The TrainStep of SFT, shared by the trainer and the benchmarks.
import type { HostTensor } from '../core/hostTensor';
import type { TrainStepSpec } from '../graph/train/stepGraphs';
import { llamaParamShapes } from '../nn/llama';
import { loraLinear, loraParamShapes, type LoraConfig } from '../nn/lora';
import type { CausalLM } from '../nn/model';
import { frozenWeights } from '../nn/frozen';
import { completionNll, SFT_BATCH } from './loss';

export interface SftStepSetup {
  spec: TrainStepSpec;
  /** Feeds of a base model fed as inputs (add them to every batch); empty when it is frozen in. */
  frozenFeeds: Record<string, HostTensor>;
  /** The batch needs `dropout_seed` (an int64 scalar). */
  dropout: boolean;
}

/**
 * The TrainStep of SFT: the completion-token loss (loss.ts) over every weight, or over LoRA
 * adapters with the base frozen as initializers or, when large, fed as inputs (frozen.ts).
 * Throws RangeError for a LoRA configuration that does not fit the model.
 */
export function sftStepSpec(
  model: Pick<CausalLM, 'config' | 'weights'>,
  o: { lora?: LoraConfig; weightDecay: number; maxGradNorm: number; frozenLimitBytes?: number },
): SftStepSetup {
  const { lora } = o;
  const dropout = lora !== undefined && lora.dropout > 0;
  const paramShapes = lora ? loraParamShapes(model.config, lora) : llamaParamShapes(model.config);
  const frozen = lora ? frozenWeights(model.weights, o.frozenLimitBytes) : { initializers: undefined, inputs: {}, feeds: {} };
  const spec: TrainStepSpec = {
    name: 'sft_step',
    params: Object.fromEntries(Object.entries(paramShapes).map(([n, shape]) => [n, { shape, decay: shape.length > 1 }])),
    frozen: frozen.initializers,
    batch: { ...SFT_BATCH, ...frozen.inputs, ...(dropout ? { dropout_seed: { dtype: 'int64', shape: [] } } : {}) },
    loss: (p, b, f) => {
      const base = Object.fromEntries(Object.keys(model.weights).map((n) => [n, f[n] ?? b[`frozen.${n}`]]));
      const out = lora
        ? completionNll(model.config, base, b, { linear: loraLinear(lora, p, dropout ? b.dropout_seed : undefined) })
        : completionNll(model.config, p, b);
      return { loss: out.loss, metrics: { tokens: out.tokens } };
    },
    optimizer: { weightDecay: o.weightDecay },
    maxGradNorm: o.maxGradNorm > 0 ? o.maxGradNorm : undefined,
  };
  return { spec, frozenFeeds: frozen.feeds, dropout };
}
