// Neural-network ops: softmax family, position helpers (Range, Trilu, CumSum) and RoPE's rotate_half as
// primitives, and composites built from primitives (linear, SiLU, GELU, RMSNorm, RoPE, masks) that need no VJP rule.
import type { DType } from '../../core/hostTensor';
import { apply, defineOp, type Graph, type OpDef, type Tensor } from '../graph';
import { normAxis, type Dim } from '../shape';
import { reduceSum, squeeze, unsqueeze } from './broadcast';
import { add, cast, div, erf, exp, lessOrEqual, log, mul, reciprocal, sigmoid, sqrt, sub } from './elementwise';
import { dimValue, transpose } from './layout';
import { matmul } from './linalg';
import { reduceMax, reduceMean } from './reduce';

// ---- softmax family ----------------------------------------------------------------------------

export const Softmax = defineOp<{ axis: number }>({
  name: 'Softmax',
  infer: ([x], { axis }) => (normAxis('Softmax', axis, x.rank), [{ dtype: x.dtype, shape: x.shape }]),
  emit: (e, ins, outs, { axis }) => e.node('Softmax', ins, outs, { axis }),
  // dx = y * (g - sum(g * y))
  vjp: (n, [g]) => {
    const y = n.outputs[0];
    return [g && mul(y, sub(g, reduceSum(mul(g, y), [n.attrs.axis], true)))];
  },
});
export const LogSoftmax = defineOp<{ axis: number }>({
  name: 'LogSoftmax',
  infer: ([x], { axis }) => (normAxis('LogSoftmax', axis, x.rank), [{ dtype: x.dtype, shape: x.shape }]),
  emit: (e, ins, outs, { axis }) => e.node('LogSoftmax', ins, outs, { axis }),
  // dx = g - softmax(x) * sum(g)
  vjp: (n, [g]) => [g && sub(g, mul(exp(n.outputs[0]), reduceSum(g, [n.attrs.axis], true)))],
});
export const softmax = (x: Tensor, axis = -1): Tensor => apply(Softmax, [x], { axis });
export const logSoftmax = (x: Tensor, axis = -1): Tensor => apply(LogSoftmax, [x], { axis });

/** log(sum(exp(x))) along `axis`, stable. */
export function logSumExp(x: Tensor, axis: number, keepdims = false): Tensor {
  const m = reduceMax(x, [axis], true);
  const r = add(log(reduceSum(exp(sub(x, m)), [axis], true)), m);
  return keepdims ? r : squeeze(r, [normAxis('logSumExp', axis, x.rank)]);
}

// ---- positions and triangular masks ------------------------------------------------------------

const Range = defineOp<{ outDim: Dim }>({
  name: 'Range',
  infer: ([start], { outDim }) => [{ dtype: start.dtype, shape: [outDim] }],
  emit: (e, ins, outs) => e.node('Range', ins, outs),
});
/** [start, start+1, ..., start+n-1]; `start` is a scalar tensor or number, n a (named) dim. */
export function arange(g: Graph, n: Dim, dtype: DType = 'int64', start: Tensor | number = 0): Tensor {
  const nI = squeeze(dimValue(g, n), [0]);
  const s = typeof start === 'number' ? g.constant(start, 'int64') : start;
  const r = apply(Range, [s, add(s, nI), g.constant(1, 'int64')], { outDim: n });
  return cast(r, dtype);
}

export const Trilu = defineOp<{ upper: boolean; k: number }>({
  name: 'Trilu',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, [x], outs, { upper, k }) => e.node('Trilu', [x, e.int64(k)], outs, { upper: upper ? 1 : 0 }),
  vjp: (n, [g]) => [g && trilu(g, n.attrs.upper, n.attrs.k)],
});
export const trilu = (x: Tensor, upper: boolean, k = 0): Tensor => apply(Trilu, [x], { upper, k });

export const CumSum = defineOp<{ axis: number; reverse: boolean; exclusive: boolean }>({
  name: 'CumSum',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, [x], outs, { axis, reverse, exclusive }) => {
    e.node('CumSum', [x, e.int64(axis)], outs, { reverse: reverse ? 1 : 0, exclusive: exclusive ? 1 : 0 });
  },
  // The adjoint of a running sum is the running sum in the other direction.
  vjp: (n, [g]) => [g && cumsum(g, n.attrs.axis, !n.attrs.reverse, n.attrs.exclusive)],
});
export const cumsum = (x: Tensor, axis: number, reverse = false, exclusive = false): Tensor =>
  apply(CumSum, [x], { axis, reverse, exclusive });

/** allowed[t, s] = key position s <= query position t: bool [T, S] from int64 positions [T], [S]. */
export function causalAllowed(queryPos: Tensor, keyPos: Tensor): Tensor {
  return lessOrEqual(unsqueeze(keyPos, [0]), unsqueeze(queryPos, [1]));
}

// ---- composites --------------------------------------------------------------------------------

/** y = x W^T (+ b), with W stored [out, in] as in Hugging Face checkpoints. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const y = matmul(x, transpose(weight, [1, 0]));
  return bias ? add(y, bias) : y;
}

export const silu = (x: Tensor): Tensor => mul(x, sigmoid(x));

/** Exact GELU: x * Φ(x) = x/2 * (1 + erf(x/√2)). */
export const gelu = (x: Tensor): Tensor => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));

/** RMSNorm as in HF Llama: x / sqrt(mean(x², -1) + eps) * weight (weight starts at one). */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const inv = reciprocal(sqrt(add(reduceMean(mul(x, x), [-1], true), eps)));
  return mul(mul(x, inv), weight);
}

/**
 * rotate_half over the two halves of the last axis (HF convention, not interleaved pairs):
 * [x1, x2] -> [-x2, x1]; `inverse` turns the other way, [x1, x2] -> [x2, -x1]. One op rather than
 * two slices and a concat for its VJP: the rotation is orthogonal, so the cotangent is the inverse
 * rotation of g ([g2, -g1]: one Split, Neg, Concat), where the slices' VJPs padded each half back
 * to full width and added the two (Pad, Pad, Add on [B, H, T, D], ~2% of a hidden-512 training
 * step; docs/performance.md).
 */
interface RotateHalfAttrs {
  inverse: boolean;
  axis: number;
  half: number;
}
const RotateHalf: OpDef<RotateHalfAttrs> = defineOp<RotateHalfAttrs>({
  name: 'RotateHalf',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, [x], outs, { inverse, axis, half }) => {
    const x1 = e.temp('x1'),
      x2 = e.temp('x2'),
      negated = e.temp('neg');
    e.node('Split', [x, e.int64s([half, half])], [x1, x2], { axis });
    e.node('Neg', [inverse ? x1 : x2], [negated]);
    e.node('Concat', inverse ? [x2, negated] : [negated, x1], outs, { axis });
  },
  vjp: (n, [g]): (Tensor | undefined)[] => [g && apply(RotateHalf, [g], { ...n.attrs, inverse: !n.attrs.inverse })],
});
export function rotateHalf(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number' || d % 2 !== 0) throw new Error(`rotateHalf: last axis must be static and even, got ${d}`);
  return apply(RotateHalf, [x], { inverse: false, axis: x.rank - 1, half: d / 2 });
}

/** RoPE: x * cos + rotate_half(x) * sin; cos/sin broadcast against x [B, H, T, D]. */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return add(mul(x, cos), mul(rotateHalf(x), sin));
}

/** Mean of x over elements where mask (same dtype, 0/1) is 1. */
export function maskedMean(x: Tensor, mask: Tensor, axes?: number[]): Tensor {
  const ax = axes ?? x.shape.map((_, i) => i);
  return div(reduceSum(mul(x, mask), ax), reduceSum(mask, ax));
}
