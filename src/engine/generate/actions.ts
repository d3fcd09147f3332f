// A batch of prompt+response sequences and its actions: the positions whose next token is a response
// token. Graphs gather the hidden states of these N positions before the LM head (PPO, the
// verifier's likelihood), so prompts and padding never make logits. One sequence to a row
// (actionBatch), or several (packedActionBatch) for the graphs that read attention_mask as segment ids.
import type { HostTensor } from '../core/hostTensor';
import { i64 } from '../runtime/tensors';

export interface ActionBatch {
  /**
   * input_ids, positions, attention_mask [B, T] and action_targets [N]. One sequence to a row:
   * action_index [N] into the flattened B*T. Packed: query_index [B, A], the positions (into the
   * flattened B*T) of each row's actions, padded with the row's last token, and action_index [N]
   * into the flattened B*A (llama.ts ForwardInputs.queryIndex).
   */
  tensors: Record<string, HostTensor>;
  /** The sequence of each action [N] (actions come sequence after sequence, in token order). */
  actionRow: number[];
  T: number;
}

type Sequence = { prompt: number[]; response: number[] };
const lengthOf = (s: Sequence) => s.prompt.length + s.response.length;

/**
 * Response token k of sequence b sits at padded position off + prompt.length + k; the position
 * before it predicts it. Every response token must have an action (callers align per-token arrays
 * with responses), so an empty prompt, whose first token nothing predicts, is refused.
 */
export function actionBatch(seqs: Sequence[], pad: number): ActionBatch {
  return layout(
    seqs,
    seqs.map((_, i) => [i]),
    pad,
    false,
  );
}

/**
 * The same sequences packed several to a row of the longest one's length T (first fit, longest
 * first): the graphs that read `attention_mask` as segment ids (llama.ts `segments`) let a token
 * attend only within its own sequence, and positions restart at 0 for each, so every action scores
 * as it would alone while rows of padding are not computed. B here is the number of rows
 * (≤ seqs.length). The actions also come grouped by row (query_index), so that a graph's last layer
 * computes its queries and MLP at those positions only.
 */
export function packedActionBatch(seqs: Sequence[], pad: number): ActionBatch {
  const T = Math.max(1, ...seqs.map(lengthOf));
  // First fit decreasing: rows[r] lists sequence indices; free[r] is what is left of T.
  const rows: number[][] = [],
    free: number[] = [];
  const byLength = [...seqs.keys()].sort((a, b) => lengthOf(seqs[b]) - lengthOf(seqs[a]) || a - b);
  for (const i of byLength) {
    const r = free.findIndex((f) => f >= lengthOf(seqs[i]));
    if (r >= 0) {
      rows[r].push(i);
      free[r] -= lengthOf(seqs[i]);
    } else {
      rows.push([i]);
      free.push(T - lengthOf(seqs[i]));
    }
  }
  return layout(seqs, rows, pad, true);
}

/**
 * Row r holds the sequences rows[r] one after the other, right-aligned, the row's padding first;
 * attention_mask is 1, 2, … per sequence of a row (1 alone) and 0 on padding; positions count from 0
 * in each sequence. Actions stay in the order of `seqs` (sequence after sequence, in token order), so
 * per-action inputs and outputs line up with the callers' samples however the rows are laid out.
 */
function layout(seqs: Sequence[], rows: number[][], pad: number, byRow: boolean): ActionBatch {
  const empty = seqs.findIndex((s) => s.prompt.length === 0 && s.response.length > 0);
  if (empty >= 0) throw new Error(`sequence ${empty} has an empty prompt: no position predicts its first response token`);
  const T = Math.max(1, ...seqs.map(lengthOf));
  const B = rows.length;
  const ids = new BigInt64Array(B * T).fill(BigInt(pad)),
    pos = new BigInt64Array(B * T),
    mask = new BigInt64Array(B * T);
  const start = new Array<number>(seqs.length); // flat index of each sequence's first token
  rows.forEach((row, r) => {
    let at = (r + 1) * T - row.reduce((n, i) => n + lengthOf(seqs[i]), 0);
    row.forEach((i, k) => {
      const tokens = [...seqs[i].prompt, ...seqs[i].response];
      start[i] = at;
      tokens.forEach((tok, t) => {
        ids[at + t] = BigInt(tok);
        pos[at + t] = BigInt(t);
        mask[at + t] = BigInt(k + 1);
      });
      at += tokens.length;
    });
  });
  const index: number[] = [],
    targets: number[] = [],
    actionRow: number[] = [];
  seqs.forEach((s, b) => {
    s.response.forEach((token, k) => {
      index.push(start[b] + s.prompt.length + k - 1);
      targets.push(token);
      actionRow.push(b);
    });
  });
  const tensors: Record<string, HostTensor> = {
    input_ids: { dtype: 'int64', shape: [B, T], data: ids },
    positions: { dtype: 'int64', shape: [B, T], data: pos },
    attention_mask: { dtype: 'int64', shape: [B, T], data: mask },
    action_index: i64(index, [index.length]),
    action_targets: i64(targets, [targets.length]),
  };
  if (byRow) Object.assign(tensors, groupByRow(index, B, T));
  return { tensors, actionRow, T };
}

/**
 * Actions grouped by row: query_index [B, A] lists each row's action positions (A the most any row
 * has, the rest filled with the row's last token, always a real one), and action_index [N] points
 * into the flattened [B, A] instead of [B, T].
 */
function groupByRow(flat: number[], B: number, T: number): Record<string, HostTensor> {
  const perRow: number[][] = Array.from({ length: B }, () => []);
  const slot = flat.map((at) => {
    const r = Math.floor(at / T);
    perRow[r].push(at);
    return perRow[r].length - 1;
  });
  const A = Math.max(1, ...perRow.map((r) => r.length));
  const query = perRow.flatMap((r, b) => [...r, ...new Array<number>(A - r.length).fill((b + 1) * T - 1)]);
  return {
    query_index: i64(query, [B, A]),
    action_index: i64(
      flat.map((at, n) => Math.floor(at / T) * A + slot[n]),
      [flat.length],
    ),
  };
}
