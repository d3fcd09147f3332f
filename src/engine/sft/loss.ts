// The SFT objective as graph code: mean negative log-likelihood of the completion tokens of a
// micro-batch (prompt and padding positions are masked out).
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { Dim } from '../graph/shape';
import type { DType } from '../graph/dtype';
import type { ModelConfig } from '../io/hfConfig';
import { gemmLinear } from '../nn/linear';
import { llamaForward, type ForwardOptions, type Weights } from '../nn/llama';

/** The batch inputs of collate(), as TrainStep declares them. */
export const SFT_BATCH: Record<string, { dtype: DType; shape: Dim[] }> = {
  input_ids: { dtype: 'int64', shape: ['B', 'T'] },
  positions: { dtype: 'int64', shape: ['B', 'T'] },
  attention_mask: { dtype: 'int64', shape: ['B', 'T'] },
  targets: { dtype: 'int64', shape: ['B', 'T'] },
  loss_mask: { dtype: 'float32', shape: ['B', 'T'] },
};

/**
 * Summed NLL and token count of the completion tokens [scalars], and their mean (the loss).
 * Linear layers default to gemmLinear (weights read in place, never transposed into a copy).
 */
export function completionNll(cfg: ModelConfig, w: Weights, batch: Record<string, Tensor>, options: ForwardOptions = {}): { loss: Tensor; nllSum: Tensor; tokens: Tensor } {
  const linear = options.linear ?? ((_m, x, weight, bias) => gemmLinear(x, weight, bias));
  const { hidden } = llamaForward(cfg, w, { inputIds: batch.input_ids, positions: batch.positions, attentionMask: batch.attention_mask }, { ...options, linear });
  const head = cfg.tieWordEmbeddings ? w['model.embed_tokens.weight'] : w['lm_head.weight']; // as lmHead() in llama.ts
  const logp = F.logSoftmax(gemmLinear(hidden, head), -1); // [B, T, V]
  const picked = F.squeeze(F.gatherElements(logp, F.unsqueeze(batch.targets, [2]), 2), [2]); // [B, T]
  const nllSum = F.neg(F.sumAll(F.mul(picked, batch.loss_mask)));
  const tokens = F.sumAll(batch.loss_mask);
  // A micro-batch without completion tokens contributes 0, not NaN.
  return { loss: F.div(nllSum, F.maximum(tokens, 1)), nllSum, tokens };
}
