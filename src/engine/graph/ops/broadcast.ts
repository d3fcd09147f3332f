// The primitives that broadcasting rests on: Shape, Unsqueeze/Squeeze, Expand, ReduceSum, and
// `unbroadcast`, the one place where broadcast cotangents are summed back to an input's shape.
// Their VJPs use only each other, so this module imports no other op module and the op modules
// import one another in one direction: broadcast <- elementwise <- layout <- reduce.
import { apply, defineOp, type Tensor } from '../graph';
import { dimsEqual, formatShape, normAxis, ShapeError, type Dim, type Shape } from '../shape';

// ---- run-time shape -----------------------------------------------------------------------------

/** Shape(x) as an int64 vector. */
export const ShapeOf = defineOp<{ start?: number; end?: number }>({
  name: 'Shape',
  infer: ([x], { start, end }) => [{ dtype: 'int64', shape: [(end ?? x.rank) - (start ?? 0)] }],
  emit: (e, ins, outs, { start, end }) =>
    e.node('Shape', ins, outs, { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) }),
});
export const shapeOf = (x: Tensor): Tensor => apply(ShapeOf, [x], {});

// ---- unsqueeze, squeeze, expand -----------------------------------------------------------------

const Unsqueeze = defineOp<{ axes: number[] }>({
  name: 'Unsqueeze',
  infer: ([x], { axes }) => {
    const rank = x.rank + axes.length;
    const norm = axes.map((a) => normAxis('Unsqueeze', a, rank));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, [x], outs, { axes }) => e.node('Unsqueeze', [x, e.int64s(axes)], outs),
  vjp: (n, [g]) => [
    g &&
      squeeze(
        g,
        n.attrs.axes.map((a) => normAxis('Unsqueeze', a, g.rank)),
      ),
  ],
});
const Squeeze = defineOp<{ axes: number[] }>({
  name: 'Squeeze',
  infer: ([x], { axes }) => {
    const norm = axes.map((a) => normAxis('Squeeze', a, x.rank));
    for (const a of norm) if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !norm.includes(i)) }];
  },
  emit: (e, [x], outs, { axes }) => e.node('Squeeze', [x, e.int64s(axes)], outs),
  vjp: (n, [g]) => [
    g &&
      unsqueeze(
        g,
        n.attrs.axes.map((a) => normAxis('Squeeze', a, n.inputs[0].rank)),
      ),
  ],
});
export const unsqueeze = (x: Tensor, axes: number[]): Tensor => apply(Unsqueeze, [x], { axes });
export const squeeze = (x: Tensor, axes: number[]): Tensor => apply(Squeeze, [x], { axes });

/** Broadcast x to `dims` (numpy rules). Inputs: [x, shape]. */
export const Expand = defineOp<{ dims: Dim[] }>({
  name: 'Expand',
  infer: ([x], { dims }) => {
    const lead = dims.length - x.rank;
    if (lead < 0 || x.shape.some((d, i) => d !== 1 && !dimsEqual(d, dims[lead + i]))) {
      throw new ShapeError(`Expand: cannot expand ${formatShape(x.shape)} to ${formatShape(dims)}`);
    }
    return [{ dtype: x.dtype, shape: dims }];
  },
  emit: (e, ins, outs) => e.node('Expand', ins, outs),
  vjp: (n, [g]) => [g && unbroadcast(g, n.inputs[0].shape), undefined],
});
/** Broadcast x to the run-time shape of `like`. */
export const expandLike = (x: Tensor, like: Tensor): Tensor => apply(Expand, [x, shapeOf(like)], { dims: [...like.shape] });

// ---- sum and unbroadcast ------------------------------------------------------------------------

export interface ReduceAttrs {
  axes: number[];
  keepdims: boolean;
}

function reducedShape(op: string, x: Tensor, { axes, keepdims }: ReduceAttrs): Dim[] {
  const norm = axes.map((a) => normAxis(op, a, x.rank));
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

export function reduceDef(name: string, vjp: (x: Tensor, y: Tensor, g: Tensor, a: ReduceAttrs) => Tensor) {
  return defineOp<ReduceAttrs>({
    name,
    infer: ([x], a) => [{ dtype: x.dtype, shape: reducedShape(name, x, a) }],
    // opset 18: axes are an input for every Reduce op.
    emit: (e, [x], outs, a) => e.node(name, [x, e.int64s(a.axes)], outs, { keepdims: a.keepdims ? 1 : 0 }),
    vjp: (n, [g]) => [g && vjp(n.inputs[0], n.outputs[0], g, n.attrs)],
  });
}

/** Re-inserts reduced axes so that a reduced tensor broadcasts against the input. */
export function keepReducedAxes(t: Tensor, x: Tensor, a: ReduceAttrs): Tensor {
  return a.keepdims
    ? t
    : unsqueeze(
        t,
        a.axes.map((ax) => normAxis('reduce', ax, x.rank)),
      );
}

export const ReduceSum = reduceDef('ReduceSum', (x, _y, g, a) => expandLike(keepReducedAxes(g, x, a), x));
export const reduceSum = (x: Tensor, axes: number[], keepdims = false): Tensor => apply(ReduceSum, [x], { axes, keepdims });

/** Sums a cotangent of a broadcast result back to an input's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  let r = g;
  const lead = g.rank - shape.length;
  if (lead > 0) r = reduceSum(r, [...Array(lead).keys()], false);
  const axes = shape.flatMap((d, i) => (d === 1 && r.shape[i] !== 1 ? [i] : []));
  if (axes.length > 0) r = reduceSum(r, axes, true);
  return r;
}
