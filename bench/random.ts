// Seeded random weights and inputs for the benchmark, so every run times the same values.
import { Rng } from '../src/engine/tasks/rng';

/** n float32 values uniform in [-scale, scale) from the stream `stream` of `seed`. */
export function uniformF32(seed: number, stream: string, n: number, scale: number): Float32Array {
  const r = new Rng(seed, stream);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r.float() - 1) * scale;
  return out;
}
