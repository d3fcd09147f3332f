// Indexing: Gather (embedding lookups), GatherElements (picking token log-probs), and the
// scatter-adds that are their VJPs.
import { isFloat, type DType } from '../../core/hostTensor';
import { apply, defineOp, type Tensor } from '../graph';
import { dimsEqual, formatShape, normAxis, ShapeError } from '../shape';
import { unsqueeze } from './broadcast';
import { ScatterRowsAdd } from './scatterRows';

function checkIndices(op: string, idx: Tensor): void {
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32')
    throw new ShapeError(`${op}: indices must be int64 or int32, got ${idx.dtype}`);
}

/** Zeros with the run-time shape and the dtype of x. */
const ZerosLike = defineOp<{ dtype: DType }>({
  name: 'ZerosLike',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, [x], outs, { dtype }) => {
    const s = e.temp('shape');
    e.node('Shape', [x], [s]);
    e.node('ConstantOfShape', [s], outs, { value: { tensor: { dtype, shape: [1], data: [0] } } });
  },
});
export const zerosLike = (x: Tensor): Tensor => apply(ZerosLike, [x], { dtype: x.dtype });

// Gather along `axis`: out = x.shape[:axis] + idx.shape + x.shape[axis+1:]. `distinct`: the caller
// promises no index repeats (e.g. picking action positions), so the VJP writes each row once.
export const Gather = defineOp<{ axis: number; distinct?: boolean }>({
  name: 'Gather',
  infer: ([x, idx], { axis }) => {
    checkIndices('Gather', idx);
    const a = normAxis('Gather', axis, x.rank);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] }];
  },
  emit: (e, ins, outs, { axis }) => e.node('Gather', ins, outs, { axis }),
  vjp: (n, [g]) => {
    const [x, idx] = n.inputs;
    if (!g || !isFloat(x.dtype)) return [undefined, undefined];
    if (normAxis('Gather', n.attrs.axis, x.rank) !== 0) throw new Error('Gather: gradients are implemented for axis 0 only');
    // Distinct rows: one ScatterND, no two updates to a row. Rows looked up several times
    // accumulate: a sorted segment sum (ScatterRowsAdd), since ScatterND's "add" races.
    if (n.attrs.distinct) return [apply(ScatterNDDistinct, [zerosLike(x), unsqueeze(idx, [-1]), g], {}), undefined];
    return [apply(ScatterRowsAdd, [x, idx, g], { dtype: x.dtype }), undefined];
  },
});
export const gather = (x: Tensor, idx: Tensor, axis = 0): Tensor => apply(Gather, [x, idx], { axis });
/** Rows of x [V, ...] at indices that never repeat (action or loss positions): a cheaper gradient. */
export const gatherDistinct = (x: Tensor, idx: Tensor): Tensor => apply(Gather, [x, idx], { axis: 0, distinct: true });

/** data with `updates` written at `indices` that never repeat: the VJP of a distinct Gather. */
const ScatterNDDistinct = defineOp({
  name: 'ScatterNDDistinct',
  infer: ([data]) => [{ dtype: data.dtype, shape: data.shape }],
  emit: (e, ins, outs) => e.node('ScatterND', ins, outs),
});

// GatherElements: out[i][j][k] = x[i][idx[i][j][k]][k] for axis 1; idx has the output's shape.
export const GatherElements = defineOp<{ axis: number }>({
  name: 'GatherElements',
  infer: ([x, idx], { axis }) => {
    checkIndices('GatherElements', idx);
    const a = normAxis('GatherElements', axis, x.rank);
    if (idx.rank !== x.rank || idx.shape.some((d, i) => i !== a && !dimsEqual(d, x.shape[i]))) {
      throw new ShapeError(
        `GatherElements: indices ${formatShape(idx.shape)} do not fit data ${formatShape(x.shape)} off axis ${a}`,
      );
    }
    return [{ dtype: x.dtype, shape: idx.shape }];
  },
  emit: (e, ins, outs, { axis }) => e.node('GatherElements', ins, outs, { axis }),
  vjp: (n, [g]) => {
    const [x, idx] = n.inputs;
    if (!g) return [undefined, undefined];
    return [apply(ScatterElementsAdd, [zerosLike(x), idx, g], { axis: n.attrs.axis }), undefined];
  },
});
export const gatherElements = (x: Tensor, idx: Tensor, axis: number): Tensor => apply(GatherElements, [x, idx], { axis });

const ScatterElementsAdd = defineOp<{ axis: number }>({
  name: 'ScatterElementsAdd',
  infer: ([data]) => [{ dtype: data.dtype, shape: data.shape }],
  emit: (e, ins, outs, { axis }) => e.node('ScatterElements', ins, outs, { axis, reduction: 'add' }),
});
