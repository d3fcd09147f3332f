// Reductions over axes: mean and max (ReduceSum and `unbroadcast` are primitives in broadcast.ts).
import { apply, type Tensor } from '../graph';
import { normAxis } from '../shape';
import { expandLike, keepReducedAxes, reduceDef, reduceSum } from './broadcast';
import { cast, div, equal, mul } from './elementwise';
import { dimValue } from './layout';

export const ReduceMean = reduceDef('ReduceMean', (x, _y, g, a) =>
  expandLike(div(keepReducedAxes(g, x, a), countOf(x, a.axes)), x),
);
// The cotangent is shared equally between tied maxima.
export const ReduceMax = reduceDef('ReduceMax', (x, y, g, a) => {
  const hit = cast(equal(x, keepReducedAxes(y, x, a)), x.dtype);
  const ties = reduceSum(hit, a.axes, true);
  return mul(hit, div(keepReducedAxes(g, x, a), ties));
});

export const reduceMean = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceMean, [x], { axes, keepdims });
export const reduceMax = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceMax, [x], { axes, keepdims });
/** Sum of all elements, a scalar. */
export const sumAll = (x: Tensor): Tensor =>
  reduceSum(
    x,
    x.shape.map((_, i) => i),
    false,
  );
export const meanAll = (x: Tensor): Tensor =>
  reduceMean(
    x,
    x.shape.map((_, i) => i),
    false,
  );

/** Number of elements over `axes`, as a scalar of x's dtype (computed at run time for named dims). */
export function countOf(x: Tensor, axes: number[]): Tensor {
  const dims = axes.map((a) => x.shape[normAxis('count', a, x.rank)]);
  if (dims.every((d) => typeof d === 'number'))
    return x.graph.constant(
      (dims as number[]).reduce((p, q) => p * q, 1),
      x.dtype,
    );
  const n = dims.map((d) => dimValue(x.graph, d)).reduce((p, q) => mul(p, q));
  return cast(reduceSum(n, [0], false), x.dtype);
}
