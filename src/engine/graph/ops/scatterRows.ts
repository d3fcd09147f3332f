// The VJP of Gather along axis 0 (embedding gradients): zeros shaped like x [V, ...rest] with
// g [...I, ...rest] added at rows idx [...I], rows looked up several times accumulating.
//
// Not ScatterND(reduction="add"): onnxruntime's CPU kernel splits the updates among its intra-op
// threads and adds without atomics, so with two threads or more a row looked up many times loses
// updates and the result changes run to run (measured on onnxruntime-node 1.30: errors of 5 in
// sums of ~100 unit terms, 6272 tokens at hidden 64; test/engine/graph/scatterRows.test.ts).
// Here the ids are sorted (TopK breaks ties by position, so the order is fixed), each run of
// equal ids is summed as a difference of float64 prefix sums, and every distinct row is written
// once by ScatterND without reduction: correct and deterministic at any thread count.
// Shapes: N ids, M distinct ids, R = rest.
import { ONNX_DTYPE, type DType } from '../../core/hostTensor';
import { defineOp, type Emitter, type OnnxAttr } from '../graph';

/** Past any real dimension: a Slice end meaning "to the end". */
const END = 2 ** 62;

export const ScatterRowsAdd = defineOp<{ dtype: DType }>({
  name: 'ScatterRowsAdd',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, [x, idx, g], [out], { dtype }) => {
    const op = node(e);
    const shapeX = op('Shape', [x]); // [r]
    const rest = op('Slice', [shapeX, e.int64s([1]), e.int64s([END])]); // [r-1]
    const rows = op('Slice', [shapeX, e.int64s([0]), e.int64s([1])]); // [1]: V
    const raw = op('Cast', [op('Reshape', [idx, e.int64s([-1])])], { to: ONNX_DTYPE.int64 }); // [N]
    // Negative ids count from the end, as Gather reads them: one sort key per row.
    const ids = op('Where', [op('Less', [raw, e.int64(0)]), op('Add', [raw, rows]), raw]);
    const [sorted, perm] = [e.temp('sorted'), e.temp('perm')]; // [N] ascending, [N]
    e.node('TopK', [ids, op('Shape', [ids])], [sorted, perm], { axis: 0, largest: 0, sorted: 1 });

    // g as [N, ...rest] in sorted order, prefix-summed in float64.
    const g2 = op('Reshape', [g, op('Concat', [e.int64s([-1]), rest], { axis: 0 })]);
    const gSorted = op('Gather', [g2, perm], { axis: 0 });
    const prefix = op('CumSum', [op('Cast', [gSorted], { to: ONNX_DTYPE.float64 }), e.int64(0)]); // [N, ...rest]

    // A run of equal ids ends where the next id differs, and at the last position.
    const head = op('Slice', [sorted, e.int64s([0]), e.int64s([-1])]); // [N-1]
    const next = op('Slice', [sorted, e.int64s([1]), e.int64s([END])]); // [N-1]
    const differs = op('Not', [op('Equal', [head, next])]);
    const last = op('Cast', [e.int64s([1])], { to: ONNX_DTYPE.bool });
    const isEnd = op('Concat', [differs, last], { axis: 0 }); // [N]
    const ends = op('Reshape', [op('NonZero', [isEnd]), e.int64s([-1])]); // [M]

    // The sum of a run = the prefix at its end − the prefix at the previous run's end (0 first).
    const atEnd = op('Gather', [prefix, ends], { axis: 0 }); // [M, ...rest]
    const zeroRow = op('ConstantOfShape', [op('Concat', [e.int64s([1]), rest], { axis: 0 })], {
      value: { tensor: { dtype: 'float64', shape: [1], data: [0] } },
    });
    const before = op('Concat', [zeroRow, op('Slice', [atEnd, e.int64s([0]), e.int64s([-1])])], { axis: 0 });
    const sums = op('Cast', [op('Sub', [atEnd, before])], { to: ONNX_DTYPE[dtype] }); // [M, ...rest]
    const rowIndex = op('Unsqueeze', [op('Gather', [sorted, ends], { axis: 0 }), e.int64s([1])]); // [M, 1], distinct
    const zeros = op('ConstantOfShape', [shapeX], { value: { tensor: { dtype, shape: [1], data: [0] } } });
    e.node('ScatterND', [zeros, rowIndex, sums], [out]);
  },
});

/** Appends a one-output node and returns its output's name. */
const node =
  (e: Emitter) =>
  (type: string, inputs: string[], attrs?: Record<string, OnnxAttr>): string => {
    const out = e.temp(type.toLowerCase());
    e.node(type, inputs, [out], attrs);
    return out;
  };
