// Seeded random weights and inputs for the benchmark, so every run times the same values.
import type { HostTensor } from '../src/engine/core/hostTensor';
import { Rng } from '../src/engine/core/random';

/** n float32 values uniform in [-scale, scale) from the stream `stream` of `seed`. */
export function uniformF32(seed: number, stream: string, n: number, scale: number): Float32Array {
  const r = new Rng(seed, stream);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r.float() - 1) * scale;
  return out;
}

/**
 * Weights of a whole model (norms at one, everything else uniform in ±0.02) by a fast LCG rather
 * than Rng: the 494M values of a 0.5B model take seconds, not minutes.
 */
export function fastModelWeights(shapes: Record<string, number[]>, seed: number): Record<string, HostTensor> {
  let s = seed >>> 0;
  const out: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('norm.weight')) data.fill(1);
    else
      for (let i = 0; i < data.length; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        data[i] = (s / 4294967296 - 0.5) * 0.04;
      }
    out[name] = { dtype: 'float32', shape, data };
  }
  return out;
}
