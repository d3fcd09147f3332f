// Scalar heads on the transformer trunk: the PPO value head (one value per position, TRL's
// `v_head.summary` naming) and the verifier head (one logit per sequence, sigmoid for a score).
import type { HostTensor } from '../core/hostTensor';
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { ModelConfig } from '../io/hfConfig';

export const VALUE_HEAD = { weight: 'v_head.summary.weight', bias: 'v_head.summary.bias' } as const;
export const VERIFIER_HEAD = { weight: 'score.weight', bias: 'score.bias' } as const;

/** [1, C] weight and [1] bias of a scalar head, zero-initialised so it starts neutral. */
export function initHead(cfg: ModelConfig, names: { weight: string; bias: string }): Record<string, HostTensor> {
  return {
    [names.weight]: { dtype: 'float32', shape: [1, cfg.hiddenSize], data: new Float32Array(cfg.hiddenSize) },
    [names.bias]: { dtype: 'float32', shape: [1], data: new Float32Array(1) },
  };
}

/** hidden [..., C] -> scalar per position [...]. */
export function scalarHead(hidden: Tensor, w: Record<string, Tensor>, names: { weight: string; bias: string }): Tensor {
  return F.squeeze(F.linear(hidden, w[names.weight], w[names.bias]), [-1]);
}
