// How frozen weights (a base model under LoRA, a reference policy, a model too large to embed) enter a graph.
import type { FrozenWeightsChoice } from '../../protocol/choices';
import type { HostTensor } from '../core/hostTensor';

/**
 * Frozen weights up to this many bytes are initializers (loaded once, pre-packed by ONNX Runtime).
 * Larger ones are graph inputs fed at every step: ONNX Runtime reads an input in place from the JS
 * array, while an initializer is copied from the serialized model, constant-folded and pre-packed,
 * several copies in all (measured in docs/performance.md); and a model of 2 GB would not fit in
 * one protobuf at all.
 */
export const FROZEN_INITIALIZER_LIMIT = 512 << 20;

/** The byte limit above which frozen weights are fed, for a runtime's `frozenWeights` choice. */
export function frozenLimitFor(choice: FrozenWeightsChoice = 'auto'): number {
  return choice === 'fed' ? 0 : choice === 'embedded' ? Infinity : FROZEN_INITIALIZER_LIMIT;
}

/** Initializers of one ONNX model must fit in protobuf's 2 GB, with room for the graph itself. */
export const EMBEDDABLE_BYTES = 2 ** 31 - (64 << 20);

export interface FrozenWeights {
  /** TrainStep `frozen`: initializers, or undefined when the weights are fed. */
  initializers?: Record<string, HostTensor>;
  inputs: Record<string, { dtype: 'float32'; shape: number[] }>;
  feeds: Record<string, HostTensor>;
}

/** Inputs are named `frozen.<HF name>`; `feeds` holds their values (the same arrays, not copies). */
export function frozenWeights(weights: Record<string, HostTensor>, limit = FROZEN_INITIALIZER_LIMIT): FrozenWeights {
  if (frozenBytes(weights) <= limit) return { initializers: weights, inputs: {}, feeds: {} };
  const entries = Object.entries(weights);
  return {
    inputs: Object.fromEntries(entries.map(([n, t]) => [`frozen.${n}`, { dtype: 'float32' as const, shape: t.shape }])),
    feeds: Object.fromEntries(entries.map(([n, t]) => [`frozen.${n}`, t])),
  };
}

/** Bytes of the float32 weights not in `except`. */
export function frozenBytes(weights: Record<string, HostTensor>, except: ReadonlySet<string> = new Set()): number {
  return Object.entries(weights).reduce((n, [name, t]) => (except.has(name) ? n : n + 4 * t.data.length), 0);
}
