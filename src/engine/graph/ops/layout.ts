// Ops that move data without arithmetic: reshape, transpose, concat, slice, pad, expand (Shape,
// Unsqueeze, Squeeze and Expand's op record are in broadcast.ts). Sizes that are only known at run
// time (named dims) are computed in the graph from `Shape` nodes, with int64 arithmetic.
import { apply, defineOp, type Graph, type Tensor } from '../graph';
import { canonicalDim, dimsEqual, divDims, formatShape, mulDims, normAxis, ShapeError, type Dim } from '../shape';
import { Expand, ShapeOf, shapeOf } from './broadcast';
import { add, mul, sub } from './elementwise';
import { zerosLike } from './indexing';

// ---- run-time sizes ----------------------------------------------------------------------------

/** The run-time value of a dim as an int64 tensor of shape [1]. */
export function dimValue(g: Graph, d: Dim): Tensor {
  if (typeof d === 'number') return g.constant([d], 'int64');
  const src = g.dimSources.get(d);
  if (src) return apply(ShapeOf, [src.tensor], { start: src.axis, end: src.axis + 1 });
  const factors = d.split('*');
  if (factors.length === 1) throw new ShapeError(`no tensor in graph "${g.name}" has the dim "${d}"`);
  return factors.map((f) => dimValue(g, /^\d+$/.test(f) ? Number(f) : f)).reduce((a, b) => mul(a, b));
}

/** An int64 vector holding `dims`, constant where all are static. */
export function dimsValue(g: Graph, dims: readonly Dim[]): Tensor {
  if (dims.every((d) => typeof d === 'number')) return g.constant(dims as number[], 'int64');
  return concat(
    dims.map((d) => dimValue(g, d)),
    0,
  );
}

// ---- reshape -----------------------------------------------------------------------------------

/** Reshape to `dims` (one may be -1). Inputs: [x, shape]; attrs carry the symbolic target. */
const Reshape = defineOp<{ dims: Dim[] }>({
  name: 'Reshape',
  infer: ([x], { dims }) => [{ dtype: x.dtype, shape: dims }],
  emit: (e, ins, outs) => e.node('Reshape', ins, outs),
  vjp: (n, [g]) => [g && reshapeLike(g, n.inputs[0]), undefined],
});

export function reshape(x: Tensor, target: readonly Dim[]): Tensor {
  const total = mulDims(...x.shape);
  const known = target.filter((d) => d !== -1);
  const free = target.length - known.length;
  if (free > 1) throw new ShapeError(`Reshape: more than one -1 in ${formatShape(target)}`);
  let dims = target.map(canonicalDim);
  if (free === 1) {
    const rest = divDims(total, mulDims(...known));
    if (rest === undefined) throw new ShapeError(`Reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(target)}`);
    dims = dims.map((d) => (d === -1 ? rest : d));
  } else if (!dimsEqual(total, mulDims(...dims))) {
    throw new ShapeError(`Reshape: cannot reshape ${formatShape(x.shape)} (${total} elements) to ${formatShape(target)}`);
  }
  if (dims.length === x.rank && dims.every((d, i) => dimsEqual(d, x.shape[i]))) return x;
  // A -1 in the ONNX shape lets ORT infer the one dim we resolved symbolically.
  const onnxDims = target.some((d) => d === -1) ? target.map((d) => (d === -1 ? -1 : d)) : dims;
  const shapeTensor = onnxDims.every((d) => typeof d === 'number')
    ? x.graph.constant(onnxDims as number[], 'int64')
    : dimsValueAllowingFree(x.graph, onnxDims);
  return apply(Reshape, [x, shapeTensor], { dims });
}

function dimsValueAllowingFree(g: Graph, dims: Dim[]): Tensor {
  return concat(
    dims.map((d) => (d === -1 ? g.constant([-1], 'int64') : dimValue(g, d))),
    0,
  );
}

/** Reshape `x` to the run-time shape of `like`. */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  return apply(Reshape, [x, shapeOf(like)], { dims: [...like.shape] });
}

// ---- transpose ---------------------------------------------------------------------------------

const Transpose = defineOp<{ perm: number[] }>({
  name: 'Transpose',
  infer: ([x], { perm }) => {
    if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
      throw new ShapeError(`Transpose: perm [${perm}] does not fit ${formatShape(x.shape)}`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  emit: (e, ins, outs, { perm }) => e.node('Transpose', ins, outs, { perm }),
  vjp: (n, [g]) => {
    const inv = new Array<number>(n.attrs.perm.length);
    n.attrs.perm.forEach((p, i) => (inv[p] = i));
    return [g && transpose(g, inv)];
  },
});
export const transpose = (x: Tensor, perm: number[]): Tensor => apply(Transpose, [x], { perm });
/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  const perm = [...x.shape.keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

// ---- concat, slice, pad ------------------------------------------------------------------------

const Concat = defineOp<{ axis: number; outDim?: Dim }>({
  name: 'Concat',
  infer: (xs, { axis, outDim }) => {
    const a = normAxis('Concat', axis, xs[0].rank);
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype) throw new ShapeError(`Concat: dtype mismatch ${x.dtype} vs ${xs[0].dtype}`);
      if (x.rank !== xs[0].rank || x.shape.some((d, i) => i !== a && !dimsEqual(d, xs[0].shape[i]))) {
        throw new ShapeError(`Concat: shapes ${formatShape(xs[0].shape)} and ${formatShape(x.shape)} differ off axis ${a}`);
      }
    }
    const sizes = xs.map((x) => x.shape[a]);
    const total =
      outDim ??
      (sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((p, q) => p + q, 0) : freshDim(xs[0].graph, 'cat'));
    const shape = [...xs[0].shape];
    shape[a] = total;
    return [{ dtype: xs[0].dtype, shape }];
  },
  emit: (e, ins, outs, { axis }) => e.node('Concat', ins, outs, { axis }),
  vjp: (n, [g]) => {
    if (!g) return n.inputs.map(() => undefined);
    const a = normAxis('Concat', n.attrs.axis, g.rank);
    let start = g.graph.constant([0], 'int64');
    return n.inputs.map((x) => {
      const end = add(start, dimValue(g.graph, x.shape[a]));
      const part = apply(Slice, [g, start, end], { axis: a, outDim: x.shape[a] });
      start = end;
      return part;
    });
  },
});

/** Concatenation along `axis`; `outDim` names the result's size when it is not static. */
export const concat = (xs: Tensor[], axis: number, outDim?: Dim): Tensor =>
  xs.length === 1 ? xs[0] : apply(Concat, xs, { axis, outDim });

/**
 * x cut along `axis` into parts of the given static sizes: one ONNX Split (one kernel where slices
 * take one each). The VJP concatenates the parts' cotangents, zeros for parts without one.
 */
const Split = defineOp<{ axis: number; sizes: number[] }>({
  name: 'Split',
  infer: ([x], { axis, sizes }) => {
    const a = normAxis('Split', axis, x.rank);
    const total = sizes.reduce((p, q) => p + q, 0);
    if (typeof x.shape[a] === 'number' && x.shape[a] !== total)
      throw new ShapeError(`Split: sizes ${sizes.join('+')} do not add up to axis ${a} of ${formatShape(x.shape)}`);
    return sizes.map((size) => {
      const shape = [...x.shape];
      shape[a] = size;
      return { dtype: x.dtype, shape };
    });
  },
  emit: (e, [x], outs, { axis, sizes }) => e.node('Split', [x, e.int64s(sizes)], outs, { axis }),
  vjp: (n, gs) => {
    if (gs.every((g) => !g)) return [undefined];
    const parts = n.outputs.map((y, i) => gs[i] ?? zerosLike(y));
    return [
      apply(Concat, parts, { axis: n.attrs.axis, outDim: n.inputs[0].shape[normAxis('Split', n.attrs.axis, n.inputs[0].rank)] }),
    ];
  },
});

/** x cut along `axis` into consecutive parts of static `sizes`. */
export function split(x: Tensor, axis: number, sizes: number[]): Tensor[] {
  return x.graph.addNode(Split, [x], { axis, sizes }).outputs;
}

let freshCounter = 0;
function freshDim(_g: Graph, hint: string): string {
  return `${hint}${freshCounter++}`;
}

/** x[start:end] along one axis, step 1. Inputs: [x, start[1], end[1]]. */
const Slice = defineOp<{ axis: number; outDim: Dim }>({
  name: 'Slice',
  infer: ([x], { axis, outDim }) => {
    const shape = [...x.shape];
    shape[normAxis('Slice', axis, x.rank)] = outDim;
    return [{ dtype: x.dtype, shape }];
  },
  emit: (e, [x, start, end], outs, { axis }) => e.node('Slice', [x, start, end, e.int64s([axis])], outs),
  vjp: (n, [g]) => {
    if (!g) return [undefined];
    const [x, start, end] = n.inputs;
    const a = normAxis('Slice', n.attrs.axis, x.rank);
    const after = sub(dimValue(x.graph, x.shape[a]), end);
    return [pad(g, a, start, after, x.shape[a]), undefined, undefined];
  },
});

/**
 * x[start:end] on `axis` (end undefined: to the end). Negative bounds need a static size.
 * `outDim` names the result's size where it cannot be computed statically.
 */
export function slice(x: Tensor, axis: number, start: Dim, end?: Dim, outDim?: Dim): Tensor {
  const a = normAxis('Slice', axis, x.rank);
  const size = x.shape[a];
  const resolve = (b: Dim): Dim => {
    if (typeof b === 'number' && b < 0) {
      if (typeof size !== 'number')
        throw new ShapeError(`Slice: negative bound ${b} on dynamic axis ${a} of ${formatShape(x.shape)}`);
      return size + b;
    }
    return b;
  };
  const s = resolve(start);
  const en = end === undefined ? size : resolve(end);
  if (typeof s === 'number' && typeof en === 'number' && typeof size === 'number' && (s < 0 || en > size || s > en)) {
    throw new ShapeError(`Slice: [${start}:${end ?? ''}] is out of range for axis ${a} of ${formatShape(x.shape)}`);
  }
  if (s === 0 && dimsEqual(en, size)) return x;
  const out = outDim ?? (typeof s === 'number' && typeof en === 'number' ? en - s : s === 0 ? en : freshDim(x.graph, 'slice'));
  return apply(Slice, [x, dimValue(x.graph, s), dimValue(x.graph, en)], { axis: a, outDim: out });
}

/**
 * x[start:end] on `axis` with bounds computed in the graph (int64 [1] each, e.g. half of a dynamic
 * length); the result's size is `outDim`, or a new dim.
 */
export function sliceBetween(x: Tensor, axis: number, start: Tensor, end: Tensor, outDim?: Dim): Tensor {
  return apply(Slice, [x, start, end], { axis: normAxis('Slice', axis, x.rank), outDim: outDim ?? freshDim(x.graph, 'slice') });
}

/** Zero padding of `before`/`after` (int64[1] tensors) on one axis. */
const Pad = defineOp<{ axis: number; outDim: Dim; rank: number }>({
  name: 'Pad',
  infer: ([x], { axis, outDim }) => {
    const shape = [...x.shape];
    shape[axis] = outDim;
    return [{ dtype: x.dtype, shape }];
  },
  // Pad(data, pads[2 * rank]) with zeros off `axis`. Not opset 18's `axes` input: ORT's transpose
  // optimizer (1.30) permutes `pads` as if it always had 2 * rank entries, and the permuted graph
  // fails at run time (e.g. the VJP of RoPE's rotate_half after a head transpose).
  emit: (e, [x, before, after], outs, { axis, rank }) => {
    const zeros = (n: number): string[] => (n > 0 ? [e.int64s(new Array<number>(n).fill(0))] : []);
    const pads = e.temp('pads');
    e.node('Concat', [...zeros(axis), before, ...zeros(rank - 1), after, ...zeros(rank - 1 - axis)], [pads], { axis: 0 });
    e.node('Pad', [x, pads], outs, { mode: 'constant' });
  },
  vjp: (n, [g]) => {
    if (!g) return [undefined];
    const [x, before] = n.inputs;
    const end = add(before, dimValue(x.graph, x.shape[n.attrs.axis]));
    return [apply(Slice, [g, before, end], { axis: n.attrs.axis, outDim: x.shape[n.attrs.axis] }), undefined, undefined];
  },
});
export const pad = (x: Tensor, axis: number, before: Tensor, after: Tensor, outDim: Dim): Tensor =>
  apply(Pad, [x, before, after], { axis, outDim, rank: x.rank });

// ---- expand, last element -----------------------------------------------------------------------

export const expand = (x: Tensor, dims: Dim[]): Tensor =>
  apply(Expand, [x, dimsValue(x.graph, dims)], { dims: dims.map(canonicalDim) });

/** The last element along `axis`, keeping the axis (size 1); works for named dims. */
export function takeLast(x: Tensor, axis: number): Tensor {
  const a = normAxis('takeLast', axis, x.rank);
  const end = dimValue(x.graph, x.shape[a]);
  const start = sub(end, x.graph.constant([1], 'int64'));
  return apply(Slice, [x, start, end], { axis: a, outDim: 1 });
}
