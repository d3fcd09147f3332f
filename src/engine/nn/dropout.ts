// Dropout whose mask is a pure function of (seed, salt, element index), computed inside the graph
// with 32-bit integer hashing on int64 tensors. A training step feeds one int64 seed; the same seed
// gives the same masks on every run and machine, so a resumed run replays the exact masks of an
// uninterrupted one (ONNX's Dropout keeps a generator inside the session, which a restart resets).
//
// The hash is the "lowbias32"-style integer mix h = ((h >> 16) ^ h) * 0x45d9f3b, twice, then
// h ^= h >> 16, applied once per axis to fold in that axis' index. Every product stays below 2^60,
// so int64 arithmetic never overflows; `>> 16` is a division of a non-negative number.
import { fnv1a32 } from '../core/random';
import { apply, defineOp, type Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import { broadcastShapes, ShapeError } from '../graph/shape';

function bitwiseDef(name: 'BitwiseXor' | 'BitwiseAnd') {
  return defineOp({
    name,
    infer: ([a, b]) => {
      if (a.dtype !== 'int64' || b.dtype !== 'int64')
        throw new ShapeError(`${name}: needs int64 operands, got ${a.dtype} and ${b.dtype}`);
      return [{ dtype: 'int64', shape: broadcastShapes(name, a.shape, b.shape) }];
    },
    emit: (e, ins, outs) => e.node(name, ins, outs),
  });
}
const BitwiseXor = bitwiseDef('BitwiseXor');
const BitwiseAnd = bitwiseDef('BitwiseAnd');

const MASK32 = 0xffffffff;
const MIX = 0x45d9f3b;

const xor = (a: Tensor, b: Tensor): Tensor => apply(BitwiseXor, [a, b], {});
const and32 = (a: Tensor): Tensor => apply(BitwiseAnd, [a, a.graph.constant(MASK32, 'int64')], {});
const shr16 = (a: Tensor): Tensor => F.div(a, 65536);

/** One round of the integer mix on values in [0, 2^32); the result is again in [0, 2^32). */
function mix32(h: Tensor): Tensor {
  h = and32(F.mul(xor(shr16(h), h), MIX));
  h = and32(F.mul(xor(shr16(h), h), MIX));
  return xor(shr16(h), h);
}

/**
 * Uniform numbers in [0, 1) of x's shape (float32), a pure function of the int64 scalar `seed`,
 * the integer `salt` (which tells masks of one step apart) and each element's index.
 */
export function hashUniform(x: Tensor, seed: Tensor, salt: number): Tensor {
  if (seed.dtype !== 'int64' || seed.rank !== 0)
    throw new ShapeError(`hashUniform: the seed must be an int64 scalar, got ${seed.dtype}[${seed.shape}]`);
  const g = x.graph;
  let h = mix32(and32(F.add(seed, (salt >>> 0) % 0x7fffffff)));
  x.shape.forEach((d, axis) => {
    // index along `axis`, shaped to broadcast: [1, .., n, .., 1]
    const idx = F.reshape(
      F.arange(g, d, 'int64'),
      x.shape.map((dd, i) => (i === axis ? dd : 1)),
    );
    h = mix32(and32(F.add(F.mul(h, 31), idx)));
  });
  return F.div(F.cast(apply(BitwiseAnd, [h, g.constant(0xffffff, 'int64')], {}), 'float32'), 16777216);
}

/** Inverted dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p). */
export function hashDropout(x: Tensor, p: number, seed: Tensor, salt: number): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout probability must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const keep = F.greaterOrEqual(hashUniform(x, seed, salt), p);
  return F.mul(x, F.where(keep, x.graph.constant(1 / (1 - p), x.dtype), x.graph.constant(0, x.dtype)));
}

/** A 31-bit salt from a name (FNV-1a), so each adapted module draws its own mask. */
export function saltOf(name: string): number {
  return fnv1a32(name) & 0x7fffffff;
}
