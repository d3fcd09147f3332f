// How a frozen base model (under LoRA) enters a graph.
import type { HostTensor } from '../graph/graph';

/**
 * Base weights up to this many bytes are initializers (loaded once, pre-packed by ONNX Runtime).
 * Larger ones are graph inputs fed at every step: ONNX Runtime reads an input in place from the JS
 * array, while an initializer is copied from the serialized model, constant-folded and pre-packed,
 * several copies in all (measured in docs/performance.md); and a model of 2 GB would not fit in
 * one protobuf at all.
 */
export const FROZEN_INITIALIZER_LIMIT = 512 << 20;

export interface FrozenWeights {
  /** TrainStep `frozen`: initializers, or undefined when the weights are fed. */
  initializers?: Record<string, HostTensor>;
  inputs: Record<string, { dtype: 'float32'; shape: number[] }>;
  feeds: Record<string, HostTensor>;
}

/** Inputs are named `frozen.<HF name>`; `feeds` holds their values (the same arrays, not copies). */
export function frozenWeights(weights: Record<string, HostTensor>, limit = FROZEN_INITIALIZER_LIMIT): FrozenWeights {
  const bytes = Object.values(weights).reduce((n, t) => n + 4 * t.data.length, 0);
  if (bytes <= limit) return { initializers: weights, inputs: {}, feeds: {} };
  const entries = Object.entries(weights);
  return {
    inputs: Object.fromEntries(entries.map(([n, t]) => [`frozen.${n}`, { dtype: 'float32' as const, shape: t.shape }])),
    feeds: Object.fromEntries(entries.map(([n, t]) => [`frozen.${n}`, t])),
  };
}
