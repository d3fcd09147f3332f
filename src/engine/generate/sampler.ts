// Next-token sampling on the host: temperature, top-k, top-p (nucleus), greedy at temperature 0.
// Seeded, so a generation is reproducible.

export interface SamplingOptions {
  /** 0 means greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens (0: all). */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p (1: all). */
  topP: number;
}

/** mulberry32: a small, fast, seedable PRNG with uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Sampled {
  token: number;
  /** log p(token) under softmax(logits / temperature) (before top-k/top-p filtering). */
  logprob: number;
}

/**
 * Samples one token from a row of logits and its sampling distribution `probs` =
 * softmax(logits / temperature) (computed by the model graph). Greedy at temperature 0.
 */
export function sample(logits: Float32Array, probs: Float32Array, o: SamplingOptions, random: () => number): Sampled {
  if (o.temperature <= 0) {
    const token = argmax(logits);
    return { token, logprob: Math.log(probs[token]) };
  }
  if ((o.topK > 0 && o.topK < logits.length) || o.topP < 1) {
    const token = sampleFiltered(logits, o, random);
    return { token, logprob: Math.log(probs[token]) };
  }
  let u = random();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u <= 0) return { token: i, logprob: Math.log(probs[i]) };
  }
  // Rounding left a little mass: the last token with any probability.
  let last = probs.length - 1;
  while (last > 0 && probs[last] === 0) last--;
  return { token: last, logprob: Math.log(probs[last]) };
}

/** Samples one token id from a row of logits (host-side softmax; for callers without probs). */
export function sampleToken(logits: Float32Array, o: SamplingOptions, random: () => number): number {
  const t = o.temperature > 0 ? o.temperature : 1;
  const max = maxOf(logits);
  const probs = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp((logits[i] - max) / t);
  for (let i = 0; i < logits.length; i++) probs[i] /= sum;
  return sample(logits, probs, o, random).token;
}

/** Top-k then top-p filtering, then sampling among the candidates. */
function sampleFiltered(logits: Float32Array, o: SamplingOptions, random: () => number): number {
  const V = logits.length;
  let cand: number[];
  if (o.topK > 0 && o.topK < V) {
    const threshold = kthLargest(logits, o.topK);
    cand = [];
    for (let i = 0; i < V; i++) if (logits[i] >= threshold) cand.push(i);
  } else {
    cand = Array.from({ length: V }, (_, i) => i);
  }
  let max = -Infinity;
  for (const i of cand) if (logits[i] > max) max = logits[i];
  let probs = cand.map((i) => Math.exp((logits[i] - max) / o.temperature));
  if (o.topP < 1) {
    const order = cand.map((_, j) => j).sort((a, b) => probs[b] - probs[a]);
    const total = probs.reduce((a, b) => a + b, 0);
    const keep: number[] = [];
    let acc = 0;
    for (const j of order) {
      keep.push(j);
      acc += probs[j] / total;
      if (acc >= o.topP) break;
    }
    cand = keep.map((j) => cand[j]);
    probs = keep.map((j) => probs[j]);
  }
  const total = probs.reduce((a, b) => a + b, 0);
  let u = random() * total;
  for (let j = 0; j < cand.length; j++) {
    u -= probs[j];
    if (u <= 0) return cand[j];
  }
  return cand[cand.length - 1];
}

function maxOf(x: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  return max;
}

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** The k-th largest value (1-based) by quickselect on a copy. */
function kthLargest(x: Float32Array, k: number): number {
  const a = Float32Array.from(x);
  let lo = 0, hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}
