// The key/value cache of a batch being decoded, kept on the host in preallocated slots.
//
// Per layer, keys and values live in [B, KVH, C, D] buffers of C slots (the capacity); slot s of a
// row holds the token at padded index s, so a left-padded prompt's padding occupies its first slots
// and is masked off like unfilled slots. The decode graph reads all C slots (ORT takes the buffers
// without copying them) and returns only the new token's keys and values, which append() writes into
// the next slot. Compared with feeding a [B, KVH, S, D] cache and getting back a concatenated
// [B, KVH, S + 1, D] one, no step copies the cache inside the graph or out of it.
import { dataOf, type HostTensor } from '../core/hostTensor';

/** Slots added at a time when the cache fills up: one copy of the cache per CHUNK steps. */
const CHUNK = 64;

export class KVCache {
  private constructor(
    /** k and v of each layer in turn: [2 L] buffers of [B, KVH, C, D]. */
    private buffers: Float32Array[],
    /** [B, C + 1]: 1 for filled slots; the last column is the token being decoded (always 1). */
    private mask: BigInt64Array,
    private rows: number,
    private capacity: number,
    /** Slots filled (for every row; padding counts as filled and is masked). */
    private length: number,
    /** The most slots this generation can need; capacity never grows past it. */
    private readonly maxLength: number,
    private readonly heads: number,
    private readonly headDim: number,
  ) {}

  /**
   * The cache after a prefill: `kv` are the prefill's new.{k,v}.L outputs in layer order (k0, v0,
   * k1, ...) [B, KVH, T, D]; `promptMask` [B, T] marks real tokens; `reserve` is the number of
   * tokens that may still be appended.
   */
  static fromPrefill(kv: HostTensor[], promptMask: BigInt64Array, reserve: number): KVCache {
    const [B, KVH, T, D] = kv[0].shape;
    const maxLength = T + Math.max(0, reserve);
    const capacity = Math.min(maxLength, T + CHUNK);
    const cache = new KVCache(
      kv.map(() => new Float32Array(B * KVH * capacity * D)),
      new BigInt64Array(0),
      B,
      capacity,
      T,
      maxLength,
      KVH,
      D,
    );
    kv.forEach((t, i) => cache.writeSlots(cache.buffers[i], dataOf(t, 'float32', 'KV cache'), 0, T));
    cache.mask = cache.maskFor(capacity, (b, s) => promptMask[b * T + s]);
    return cache;
  }

  /** Decode-graph inputs: past.{k,v}.L [B, KVH, C, D] and attention_mask [B, C + 1]. */
  feeds(): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = {
      attention_mask: { dtype: 'int64', shape: [this.rows, this.capacity + 1], data: this.mask },
    };
    const shape = [this.rows, this.heads, this.capacity, this.headDim];
    this.buffers.forEach((data, i) => (feeds[`past.${i % 2 ? 'v' : 'k'}.${i >> 1}`] = { dtype: 'float32', shape, data }));
    return feeds;
  }

  /** Writes one decoded token per row: `kv` are the decode step's new.{k,v}.L [B, KVH, 1, D]. */
  append(kv: HostTensor[]): void {
    if (this.length === this.capacity) this.grow();
    kv.forEach((t, i) => this.writeSlots(this.buffers[i], dataOf(t, 'float32', 'KV cache'), this.length, 1));
    for (let b = 0; b < this.rows; b++) this.mask[b * (this.capacity + 1) + this.length] = 1n;
    this.length++;
  }

  /** Keeps rows `keep` (indices into the current batch, in order), e.g. when sequences finish. */
  keepRows(keep: number[]): void {
    const rowSize = this.heads * this.capacity * this.headDim;
    this.buffers = this.buffers.map((buf) => {
      const out = new Float32Array(keep.length * rowSize);
      keep.forEach((r, j) => out.set(buf.subarray(r * rowSize, (r + 1) * rowSize), j * rowSize));
      return out;
    });
    const old = this.mask,
      width = this.capacity + 1;
    this.mask = new BigInt64Array(keep.length * width);
    keep.forEach((r, j) => this.mask.set(old.subarray(r * width, (r + 1) * width), j * width));
    this.rows = keep.length;
  }

  /** Copies `n` slots per (row, head) from `src` [B, KVH, n, D] into slots [at, at + n) of `dst`. */
  private writeSlots(dst: Float32Array, src: Float32Array, at: number, n: number): void {
    const D = this.headDim,
      C = this.capacity,
      run = n * D;
    // A plain loop: a step writes B*KVH runs of D floats, too short for subarray()+set() to pay
    // for the two objects each makes (garbage-collector time in the MAPoRL benchmark).
    for (let bh = 0; bh < this.rows * this.heads; bh++) {
      const from = bh * run,
        to = (bh * C + at) * D;
      for (let i = 0; i < run; i++) dst[to + i] = src[from + i];
    }
  }

  private grow(): void {
    const C = Math.min(this.maxLength, this.capacity + CHUNK);
    if (C === this.capacity) throw new Error(`KV cache: more than the ${this.maxLength} reserved slots were appended`);
    const D = this.headDim,
      old = this.capacity;
    this.buffers = this.buffers.map((buf) => {
      const out = new Float32Array(this.rows * this.heads * C * D);
      for (let bh = 0; bh < this.rows * this.heads; bh++)
        out.set(buf.subarray(bh * old * D, (bh * old + this.length) * D), bh * C * D);
      return out;
    });
    const oldMask = this.mask;
    this.capacity = C;
    this.mask = this.maskFor(C, (b, s) => (s < this.length ? oldMask[b * (old + 1) + s] : 0n));
  }

  /** A [B, C + 1] mask from `filled(b, s)` for slots s < C and 1 in the last column. */
  private maskFor(C: number, filled: (b: number, s: number) => bigint): BigInt64Array {
    const mask = new BigInt64Array(this.rows * (C + 1));
    for (let b = 0; b < this.rows; b++) {
      for (let s = 0; s < Math.min(C, this.length); s++) mask[b * (C + 1) + s] = filled(b, s);
      mask[b * (C + 1) + C] = 1n;
    }
    return mask;
  }
}
