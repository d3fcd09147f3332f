// Seeded pseudo-random numbers and string hashes, for every layer of the engine (this module
// imports nothing). Everything is 32-bit integer arithmetic (Math.imul, >>> 0), so a seed gives
// the same stream on every platform and Node version.
//
// Two generators, both kept because tests and committed experiment results depend on the exact
// streams each one produces:
// - `seededRandom` (mulberry32): one uint32 of state in a closure, floats with 32 bits. Used for
//   token sampling (generate/runtime), weight initialisation (nn/model's `gaussian`, LoRA's A) and
//   the test helpers' random tensors.
// - `Rng` (xoshiro128**, Blackman & Vigna 2018, seeded through splitmix32): four uint32 words of
//   state that can be saved and restored, named sub-streams, unbiased integers, shuffles. Used for
//   data order, the synthetic tasks, PPO minibatches, verifier splits and bootstrap resampling.

// ---- mulberry32 ---------------------------------------------------------------------------------

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

/** Seeded standard normal samples (mulberry32 + Box–Muller). */
export function gaussian(seed: number): () => number {
  // (raw + 1) / (2^32 + 1) with raw the PRNG's 32-bit integer: in (0, 1), so log() stays finite.
  const next = seededRandom(seed);
  const uniform = () => (next() * 4294967296 + 1) / 4294967297;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

// ---- string hashes ------------------------------------------------------------------------------

/** 32-bit FNV-1a of a string's UTF-16 code units; `seed` is XORed into the offset basis. */
export function fnv1a32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** murmur3's fmix32 finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, finished with fmix32 for avalanche. */
export function hashString(text: string, seed = 0): number {
  return fmix32(fnv1a32(text, seed));
}

// ---- xoshiro128** -------------------------------------------------------------------------------

/** splitmix32 step: returns [output, next state]. Used only to expand a seed into a full state. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  return [fmix32(next), next];
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s: Uint32Array;

  /** `seed` is any integer (taken mod 2^32); `stream` names an independent sub-stream. */
  constructor(seed: number, stream = '') {
    let st = (hashString(stream, seed >>> 0) ^ Math.imul(seed >>> 0, 0x27d4eb2d)) >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) [this.s[i], st] = splitmix32(st);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // all-zero is a fixed point
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.every((w) => w === 0)) throw new Error('Rng state must be four uint32 words, not all zero');
    const r = new Rng(0);
    r.s = Uint32Array.from(state);
    return r;
  }

  /** The four state words, e.g. for a checkpoint. */
  getState(): number[] {
    return Array.from(this.s);
  }

  /** Next uint32 (xoshiro128**). */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 24 bits of precision (exact in float32 and float64). */
  float(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Uniform integer in [lo, hi] (inclusive), without modulo bias. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new Error(`Rng.int: bad range [${lo}, ${hi}]`);
    const span = hi - lo + 1;
    if (span > 0x100000000) throw new Error('Rng.int: range wider than 2^32');
    const limit = Math.floor(0x100000000 / span) * span; // reject the incomplete top bucket
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return lo + (x % span);
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
