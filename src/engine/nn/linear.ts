// y = x W^T (+ b) with W [out, in] read in place: ONNX Gemm(transB=1) on x flattened to 2-D, and
// a VJP whose input gradient g W is a plain MatMul. F.linear's MatMul(x, Transpose(W)) instead
// makes ONNX Runtime materialise W^T: a constant-folded copy when W is an initializer (so a frozen
// base model sits in memory twice, W for the backward pass and W^T for the forward one), or a
// transpose on every run when W is fed as an input. Training graphs over large weights use this.
import { apply, defineOp, type Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import { dimsEqual, formatShape, ShapeError } from '../graph/shape';

/** g [M, N], a [M, K] -> g^T a [N, K]: a weight gradient, as one Gemm(transA=1). */
const GemmTransA = defineOp({
  name: 'GemmTransA',
  infer: ([g, a]) => {
    if (g.rank !== 2 || a.rank !== 2 || !dimsEqual(g.shape[0], a.shape[0]) || g.dtype !== a.dtype) {
      throw new ShapeError(
        `GemmTransA: needs g [M, N] and a [M, K] of one dtype, got ${g.dtype}${formatShape(g.shape)} and ${a.dtype}${formatShape(a.shape)}`,
      );
    }
    return [{ dtype: g.dtype, shape: [g.shape[1], a.shape[1]] }];
  },
  emit: (e, ins, outs) => e.node('Gemm', ins, outs, { transA: 1 }),
  vjp: (n, [d]) => {
    if (!d) return [undefined, undefined];
    const [g, a] = n.inputs;
    return [F.matmul(a, F.transpose(d, [1, 0])), F.matmul(g, d)];
  },
});

/** a [M, K], w [N, K] -> a w^T [M, N]. */
const GemmTransB = defineOp({
  name: 'GemmTransB',
  infer: ([a, w]) => {
    if (a.rank !== 2 || w.rank !== 2 || !dimsEqual(a.shape[1], w.shape[1]) || a.dtype !== w.dtype) {
      throw new ShapeError(
        `GemmTransB: needs a [M, K] and w [N, K] of one dtype, got ${a.dtype}${formatShape(a.shape)} and ${w.dtype}${formatShape(w.shape)}`,
      );
    }
    return [{ dtype: a.dtype, shape: [a.shape[0], w.shape[0]] }];
  },
  emit: (e, ins, outs) => e.node('Gemm', ins, outs, { transB: 1 }),
  // da = g w [M, K]; dw = g^T a [N, K] (only built when w is differentiated)
  vjp: (n, [g]) => {
    if (!g) return [undefined, undefined];
    const [a, w] = n.inputs;
    return [F.matmul(g, w), apply(GemmTransA, [g, a], {})];
  },
});

/** y = x W^T (+ b) for x [..., in], W [out, in], b [out]. */
export function gemmLinear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : F.reshape(x, [-1, x.shape[x.rank - 1]]); // [B*T, in]
  let y = apply(GemmTransB, [x2, weight], {}); // [B*T, out]
  if (x.rank !== 2) y = F.reshape(y, [...lead, weight.shape[0]]);
  return bias ? F.add(y, bias) : y;
}
