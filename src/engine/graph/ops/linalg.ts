// Matrix products. Batched MatMul with numpy broadcasting over the leading axes.
import { apply, defineOp, type Tensor } from '../graph';
import { broadcastShapes, dimsEqual, formatShape, ShapeError } from '../shape';
import { unbroadcast } from './broadcast';
import { reshape, transposeLast2 } from './layout';

export const MatMul = defineOp({
  name: 'MatMul',
  infer: ([a, b]) => {
    if (a.dtype !== b.dtype) throw new ShapeError(`MatMul: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    if (a.rank < 2 || b.rank < 2)
      throw new ShapeError(`MatMul: operands need rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (!dimsEqual(k, k2)) throw new ShapeError(`MatMul: inner dims differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
    const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ dtype: a.dtype, shape: [...batch, m, n] }];
  },
  emit: (e, ins, outs) => e.node('MatMul', ins, outs),
  vjp: (n, [g]) => {
    if (!g) return [undefined, undefined];
    const [a, b] = n.inputs;
    const da = unbroadcast(matmul(g, transposeLast2(b)), a.shape);
    // A weight [K, N] shared by rows [..., M, K] (any batch, or none): flatten the batch into one product
    // [K, B*M] @ [B*M, N] instead of B products summed afterwards. The transposed rows are
    // materialized (see TransposeCopy): MLAS runs this product 20-35% slower as a fused transA.
    if (b.rank === 2) {
      const a2 = reshape(a, [-1, a.shape[a.rank - 1]]);
      const g2 = reshape(g, [-1, g.shape[g.rank - 1]]);
      return [da, matmul(transposeCopy(a2), g2)];
    }
    return [da, unbroadcast(matmul(transposeLast2(a), g), b.shape)];
  },
});
export const matmul = (a: Tensor, b: Tensor): Tensor => apply(MatMul, [a, b], {});

/**
 * x^T of a matrix [n, m] -> [m, n], written so that ONNX Runtime keeps it as a real transpose.
 * ORT fuses a Transpose that feeds a MatMul into FusedMatMul(transA), and MLAS's transA path
 * re-packs A for every column block: for the weight gradients of linear layers ([K, rows] @
 * [rows, N] with rows = batch x sequence) one explicit transpose plus a plain MatMul measured
 * 20-35% faster on AVX2 (docs/performance.md). The Reshape around a 3-D Transpose is what keeps the
 * fusion from matching; Reshape's 0 copies a dim, so named dims need no shape computation.
 */
const TransposeCopy = defineOp({
  name: 'TransposeCopy',
  infer: ([x]) => {
    if (x.rank !== 2) throw new ShapeError(`TransposeCopy: needs a matrix, got ${formatShape(x.shape)}`);
    return [{ dtype: x.dtype, shape: [x.shape[1], x.shape[0]] }];
  },
  emit: (e, [x], outs) => {
    const x3 = e.temp('x3'),
      t3 = e.temp('t3');
    e.node('Reshape', [x, e.int64s([0, 0, 1])], [x3]);
    e.node('Transpose', [x3], [t3], { perm: [1, 0, 2] });
    e.node('Reshape', [t3, e.int64s([0, 0])], outs);
  },
  vjp: (_n, [g]) => [g && transposeCopy(g)],
});
export const transposeCopy = (x: Tensor): Tensor => apply(TransposeCopy, [x], {});
