// Training sequences -> micro-batches. Batching by length: each epoch shuffles the examples, sorts
// windows of 32 batches by length and cuts them into batches (so a batch holds similar lengths and
// pads little), then shuffles the batch order. The order is a pure function of (seed, epoch): a
// resumed run recomputes it from the saved cursor instead of storing it.
import type { HostTensor } from '../core/hostTensor';
import { Rng } from '../core/random';
import type { SftSequence } from '../prompts/tokens';

const WINDOW_BATCHES = 32;

/** Example indices of each micro-batch of epoch `epoch` (0-based). */
export function epochBatches(lengths: readonly number[], batchSize: number, seed: number, epoch: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const rng = new Rng(seed, `sft/order/${epoch}`);
  const order = rng.shuffle(lengths.map((_, i) => i));
  const batches: number[][] = [];
  const window = batchSize * WINDOW_BATCHES;
  for (let w = 0; w < order.length; w += window) {
    const sorted = order.slice(w, w + window).sort((a, b) => lengths[b] - lengths[a] || a - b);
    for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}

/**
 * The tensors of one micro-batch, right-padded to its longest sequence (inputs are ids[:-1]):
 * input_ids, positions, attention_mask [B, T] int64, and the N completion targets as
 * loss_index [N] (flat position b * T + t whose next token is trained on) and loss_targets [N]
 * (that token). Only those N positions go through the LM head (loss.ts).
 */
export function collate(seqs: readonly SftSequence[], padId: number): Record<string, HostTensor> {
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.ids.length)) - 1;
  if (!(T >= 1)) throw new Error('collate: every sequence needs at least two tokens');
  const ids = new BigInt64Array(B * T).fill(BigInt(padId));
  const positions = new BigInt64Array(B * T);
  const mask = new BigInt64Array(B * T);
  const index: bigint[] = [],
    targets: bigint[] = [];
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.ids.length - 1; t++) {
      const i = b * T + t;
      ids[i] = BigInt(s.ids[t]);
      positions[i] = BigInt(t);
      mask[i] = 1n;
      if (t + 1 >= s.promptLength) {
        index.push(BigInt(i));
        targets.push(BigInt(s.ids[t + 1]));
      }
    }
  });
  const i64 = (data: BigInt64Array): HostTensor => ({ dtype: 'int64', shape: [B, T], data });
  return {
    input_ids: i64(ids),
    positions: i64(positions),
    attention_mask: i64(mask),
    loss_index: { dtype: 'int64', shape: [index.length], data: BigInt64Array.from(index) },
    loss_targets: { dtype: 'int64', shape: [targets.length], data: BigInt64Array.from(targets) },
  };
}

/**
 * Cuts sequences to `maxLength` tokens (the end of the completion goes). A sequence whose prompt
 * leaves no completion token is dropped; returns the kept ones and how many were cut or dropped.
 */
export function truncate(
  seqs: readonly SftSequence[],
  maxLength: number,
): { kept: SftSequence[]; keptIndex: number[]; truncated: number; dropped: number } {
  const kept: SftSequence[] = [];
  const keptIndex: number[] = [];
  let truncated = 0,
    dropped = 0;
  seqs.forEach((s, i) => {
    if (s.promptLength >= maxLength) return void dropped++;
    if (s.ids.length > maxLength) truncated++;
    kept.push(s.ids.length > maxLength ? { ids: s.ids.slice(0, maxLength), promptLength: s.promptLength } : s);
    keptIndex.push(i);
  });
  return { kept, keptIndex: keptIndex, truncated, dropped };
}
