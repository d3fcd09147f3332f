// The SFT objective as graph code: mean negative log-likelihood of the completion tokens of a
// micro-batch (prompt and padding positions are masked out).
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { Dim } from '../graph/shape';
import type { DType } from '../core/hostTensor';
import type { ModelConfig } from '../io/hfConfig';
import { gemmLinear } from '../nn/linear';
import { llamaForward, lmHead, type ForwardOptions, type Weights } from '../nn/llama';

/** The batch inputs of collate(), as TrainStep declares them. */
export const SFT_BATCH: Record<string, { dtype: DType; shape: Dim[] }> = {
  input_ids: { dtype: 'int64', shape: ['B', 'T'] },
  positions: { dtype: 'int64', shape: ['B', 'T'] },
  attention_mask: { dtype: 'int64', shape: ['B', 'T'] },
  loss_index: { dtype: 'int64', shape: ['N'] },
  loss_targets: { dtype: 'int64', shape: ['N'] },
};

/**
 * Summed NLL and count of the N completion tokens [scalars], and their mean (the loss). Only the
 * N positions whose next token is trained on go through the LM head and the log-softmax: prompts
 * and padding cost nothing there (for a 150k vocabulary, the largest tensors of the step).
 * Linear layers default to gemmLinear (weights read in place, never transposed into a copy).
 */
export function completionNll(
  cfg: ModelConfig,
  w: Weights,
  batch: Record<string, Tensor>,
  options: ForwardOptions = {},
): { loss: Tensor; nllSum: Tensor; tokens: Tensor } {
  const linear = options.linear ?? ((_m, x, weight, bias) => gemmLinear(x, weight, bias));
  const { hidden } = llamaForward(
    cfg,
    w,
    { inputIds: batch.input_ids, positions: batch.positions, attentionMask: batch.attention_mask },
    { ...options, linear },
  );
  const picked = F.gatherDistinct(F.reshape(hidden, [-1, cfg.hiddenSize]), batch.loss_index); // [N, C]
  const logp = F.logSoftmax(lmHead(cfg, w, picked, gemmLinear), -1); // [N, V]
  const target = F.squeeze(F.gatherElements(logp, F.unsqueeze(batch.loss_targets, [1]), 1), [1]); // [N]
  const nllSum = F.neg(F.sumAll(target));
  const tokens = F.countOf(target, [0]);
  // A micro-batch without completion tokens contributes 0, not NaN.
  return { loss: F.div(nllSum, F.maximum(tokens, 1)), nllSum, tokens };
}
