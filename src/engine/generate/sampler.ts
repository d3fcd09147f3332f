// Next-token sampling on the host: temperature, top-k, top-p (nucleus), greedy at temperature 0.
// Seeded (`random` is core/random's seededRandom), so a generation is reproducible.

export interface SamplingOptions {
  /** 0 means greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens (0: all). */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p (1: all). */
  topP: number;
}

export interface Sampled {
  token: number;
  /** log p(token) under softmax(logits / temperature) (before top-k/top-p filtering). */
  logprob: number;
}

/**
 * Samples one token from its distribution `probs` = softmax(logits / temperature) [V] (computed by
 * the model graph, so the host never sees the logits). Greedy (argmax) at temperature 0: softmax
 * keeps the order of the logits.
 */
export function sample(probs: Float32Array, o: SamplingOptions, random: () => number): Sampled {
  let token: number;
  if (o.temperature <= 0) token = argmax(probs);
  else if ((o.topK > 0 && o.topK < probs.length) || o.topP < 1) token = sampleFiltered(probs, o, random);
  else token = sampleFull(probs, random());
  return { token, logprob: Math.log(probs[token]) };
}

/**
 * The distribution over the first `valid` ids only, renormalised: the same as masking the logits of
 * the rest with -inf before the softmax. Real checkpoints pad their embedding rows past the tokenizer
 * (Qwen2.5: 151936 rows, 151665 tokens) and those rows must never be sampled: no text decodes them.
 */
export function maskPadded(probs: Float32Array, valid: number): Float32Array {
  if (valid >= probs.length) return probs;
  const kept = probs.slice(0, valid);
  let total = 0;
  for (let i = 0; i < valid; i++) total += kept[i];
  if (total > 0) for (let i = 0; i < valid; i++) kept[i] /= total;
  else kept.fill(1 / valid); // all the mass on padding (untrained rows): fall back to uniform over real tokens
  return kept;
}

/** Inverse-CDF draw from the whole distribution with a uniform u in [0, 1). */
function sampleFull(probs: Float32Array, u: number): number {
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u <= 0) return i;
  }
  // Rounding left a little mass: the last token with any probability.
  let last = probs.length - 1;
  while (last > 0 && probs[last] === 0) last--;
  return last;
}

/** Top-k then top-p filtering, then sampling among the candidates in proportion to their probability. */
function sampleFiltered(probs: Float32Array, o: SamplingOptions, random: () => number): number {
  const V = probs.length;
  let cand: number[];
  if (o.topK > 0 && o.topK < V) {
    const threshold = kthLargest(probs, o.topK);
    cand = [];
    for (let i = 0; i < V; i++) if (probs[i] >= threshold) cand.push(i);
  } else {
    cand = Array.from({ length: V }, (_, i) => i);
  }
  if (o.topP < 1) {
    const order = [...cand].sort((a, b) => probs[b] - probs[a]);
    const total = order.reduce((acc, i) => acc + probs[i], 0);
    const keep: number[] = [];
    let acc = 0;
    for (const i of order) {
      keep.push(i);
      acc += probs[i] / total;
      if (acc >= o.topP) break;
    }
    cand = keep;
  }
  const total = cand.reduce((acc, i) => acc + probs[i], 0);
  let u = random() * total;
  for (const i of cand) {
    u -= probs[i];
    if (u <= 0) return i;
  }
  return cand[cand.length - 1];
}

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** The k-th largest value (1-based) by quickselect on a copy. */
function kthLargest(x: Float32Array, k: number): number {
  const a = Float32Array.from(x);
  let lo = 0,
    hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo,
      j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}
