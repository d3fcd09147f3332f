// Matrix products. Batched MatMul with numpy broadcasting over the leading axes.
import { apply, type Tensor } from '../graph';
import { defineOp } from '../op';
import { broadcastShapes, dimsEqual, formatShape, ShapeError } from '../shape';
import { reshape, transpose, transposeLast2 } from './layout';
import { unbroadcast } from './reduce';

export const MatMul = defineOp({
  name: 'MatMul',
  infer: ([a, b]) => {
    if (a.dtype !== b.dtype) throw new ShapeError(`MatMul: dtype mismatch ${a.dtype} vs ${b.dtype}`);
    if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul: operands need rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
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
    // A weight [K, N] shared by a batch of rows [..., M, K]: flatten the batch into one product
    // [K, B*M] @ [B*M, N] instead of B products summed afterwards.
    if (b.rank === 2 && a.rank > 2) {
      const a2 = reshape(a, [-1, a.shape[a.rank - 1]]);
      const g2 = reshape(g, [-1, g.shape[g.rank - 1]]);
      return [da, matmul(transpose(a2, [1, 0]), g2)];
    }
    return [da, unbroadcast(matmul(transposeLast2(a), g), b.shape)];
  },
});
export const matmul = (a: Tensor, b: Tensor): Tensor => apply(MatMul, [a, b], {});
