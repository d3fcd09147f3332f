// Reductions over axes, and `unbroadcast`: the one place where broadcast cotangents are summed back.
import { apply, type Tensor } from '../graph';
import { defineOp } from '../op';
import { normAxis, type Dim, type Shape } from '../shape';
import { cast, div, equal, mul } from './elementwise';
import { dimValue, expandLike, unsqueeze } from './layout';

interface ReduceAttrs { axes: number[]; keepdims: boolean }

function reducedShape(op: string, x: Tensor, { axes, keepdims }: ReduceAttrs): Dim[] {
  const norm = axes.map((a) => normAxis(op, a, x.rank));
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function reduceDef(name: string, vjp: (x: Tensor, y: Tensor, g: Tensor, a: ReduceAttrs) => Tensor) {
  return defineOp<ReduceAttrs>({
    name,
    infer: ([x], a) => [{ dtype: x.dtype, shape: reducedShape(name, x, a) }],
    // opset 18: axes are an input for every Reduce op.
    emit: (e, [x], outs, a) => e.node(name, [x, e.int64s(a.axes)], outs, { keepdims: a.keepdims ? 1 : 0 }),
    vjp: (n, [g]) => [g && vjp(n.inputs[0], n.outputs[0], g, n.attrs)],
  });
}

/** Re-inserts reduced axes so that a reduced tensor broadcasts against the input. */
function keep(t: Tensor, x: Tensor, a: ReduceAttrs): Tensor {
  return a.keepdims ? t : unsqueeze(t, a.axes.map((ax) => normAxis('reduce', ax, x.rank)));
}

export const ReduceSum = reduceDef('ReduceSum', (x, _y, g, a) => expandLike(keep(g, x, a), x));
export const ReduceMean = reduceDef('ReduceMean', (x, _y, g, a) => expandLike(div(keep(g, x, a), countOf(x, a.axes)), x));
// The cotangent is shared equally between tied maxima.
export const ReduceMax = reduceDef('ReduceMax', (x, y, g, a) => {
  const hit = cast(equal(x, keep(y, x, a)), x.dtype);
  const ties = reduceSum(hit, a.axes, true);
  return mul(hit, div(keep(g, x, a), ties));
});

export const reduceSum = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceSum, [x], { axes, keepdims });
export const reduceMean = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceMean, [x], { axes, keepdims });
export const reduceMax = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceMax, [x], { axes, keepdims });
/** Sum of all elements, a scalar. */
export const sumAll = (x: Tensor): Tensor => reduceSum(x, x.shape.map((_, i) => i), false);
export const meanAll = (x: Tensor): Tensor => reduceMean(x, x.shape.map((_, i) => i), false);

/** Number of elements over `axes`, as a scalar of x's dtype (computed at run time for named dims). */
export function countOf(x: Tensor, axes: number[]): Tensor {
  const dims = axes.map((a) => x.shape[normAxis('count', a, x.rank)]);
  if (dims.every((d) => typeof d === 'number')) return x.graph.constant((dims as number[]).reduce((p, q) => p * q, 1), x.dtype);
  const n = dims.map((d) => dimValue(x.graph, d)).reduce((p, q) => mul(p, q));
  return cast(reduceSum(n, [0], false), x.dtype);
}

/** Sums a cotangent of a broadcast result back to an input's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  let r = g;
  const lead = g.rank - shape.length;
  if (lead > 0) r = reduceSum(r, [...Array(lead).keys()], false);
  const axes = shape.flatMap((d, i) => (d === 1 && r.shape[i] !== 1 ? [i] : []));
  if (axes.length > 0) r = reduceSum(r, axes, true);
  return r;
}
