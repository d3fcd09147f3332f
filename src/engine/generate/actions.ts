// A left-padded batch of prompt+response sequences and its actions: the positions whose next token
// is a response token. Graphs gather the hidden states of these N positions before the LM head
// (PPO, the verifier's likelihood), so prompts and padding never make logits.
import type { HostTensor } from '../core/hostTensor';
import { i64 } from '../runtime/tensors';
import { leftPad } from './runtime';

export interface ActionBatch {
  /** input_ids, positions, attention_mask [B, T]; action_index [N] into the flattened B*T and action_targets [N]. */
  tensors: Record<string, HostTensor>;
  /** The sequence of each action [N] (actions come sequence after sequence, in token order). */
  actionRow: number[];
  T: number;
}

/**
 * Response token k of sequence b sits at padded position off + prompt.length + k; the position
 * before it predicts it. Every response token must have an action (callers align per-token arrays
 * with responses), so an empty prompt, whose first token nothing predicts, is refused.
 */
export function actionBatch(seqs: { prompt: number[]; response: number[] }[], pad: number): ActionBatch {
  const empty = seqs.findIndex((s) => s.prompt.length === 0 && s.response.length > 0);
  if (empty >= 0) throw new Error(`sequence ${empty} has an empty prompt: no position predicts its first response token`);
  const batch = leftPad(
    seqs.map((s) => [...s.prompt, ...s.response]),
    pad,
  );
  const T = batch.T;
  const index: number[] = [],
    targets: number[] = [],
    actionRow: number[] = [];
  seqs.forEach((s, b) => {
    const start = T - s.response.length; // padded position of response token 0
    s.response.forEach((token, k) => {
      index.push(b * T + start + k - 1);
      targets.push(token);
      actionRow.push(b);
    });
  });
  return {
    tensors: {
      input_ids: batch.ids,
      positions: batch.positions,
      attention_mask: batch.mask,
      action_index: i64(index, [index.length]),
      action_targets: i64(targets, [targets.length]),
    },
    actionRow,
    T,
  };
}
