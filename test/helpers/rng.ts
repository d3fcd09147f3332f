// Seeded uniform values for tests (the engine's mulberry32): reproducible across runs.
import { seededRandom } from '../../src/engine/core/random';
export const rng = seededRandom;

/** n uniform values in [lo, hi). */
export function uniform(r: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}
