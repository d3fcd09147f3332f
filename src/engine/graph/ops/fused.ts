// Fused kernels of ONNX Runtime: one kernel where the composite ops of nn.ts take five to seven.
// ORT's inference build has no gradient kernels for them, so each VJP below is written out in plain
// ops: RMSNorm's from its input, with the inverse standard deviation recomputed on [..., 1], and
// RoPE's as the same kernel run backwards (the inverse rotation). At hidden size 64 a training step
// is ~900 small kernels and their count, not arithmetic, sets the time; the same holds for a decode
// step.
//
// The VJPs do not read the kernels' optional inverse-std output: ORT's WebGPU provider does not
// write it (its SkipSimplifiedLayerNormalization left output 2 unset, and the backward Mul that read
// it failed with 'Missing Input'), and no provider has to. Only output 0 and the residual sum
// (Skip's output 3) are asked for, the outputs every provider writes.
import { apply, defineOp, type Tensor } from '../graph';
import { ShapeError, formatShape } from '../shape';
import { unbroadcast } from './broadcast';
import { add, mul, neg, reciprocal, sqrt, sub } from './elementwise';
import { reduceMean } from './reduce';

/** ORT's contrib-op domain. */
const MICROSOFT = 'com.microsoft';

/**
 * The VJP of y = x̂ · w with x̂ = x · r, r = (mean(x², -1) + eps)^(-1/2) [..., 1], for the cotangent g:
 *   dw = Σ_rows g · x̂,   dx = r · (g w − x̂ · mean(g w · x̂, -1))
 * (from dr/dx_j = −r³ x_j / C). r is recomputed from x as the composite rmsNorm computes it (one
 * Mul on x, then four kernels on [..., 1]) rather than read from the kernel's optional output, which
 * not every provider writes (see the top of this file). Fourteen kernels, against about fifteen for
 * the composite's rules and its five forward ones.
 */
function rmsNormVjp(x: Tensor, w: Tensor, eps: number, g: Tensor): { dx: Tensor; dw: Tensor } {
  const r = reciprocal(sqrt(add(reduceMean(mul(x, x), [-1], true), eps)));
  const xHat = mul(x, r);
  const gw = mul(g, w);
  const dx = mul(r, sub(gw, mul(xHat, reduceMean(mul(gw, xHat), [-1], true))));
  return { dx, dw: unbroadcast(mul(g, xHat), w.shape) };
}

function checkNorm(op: string, x: Tensor, w: Tensor): void {
  if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1])
    throw new ShapeError(`${op}: weight ${formatShape(w.shape)} does not match ${formatShape(x.shape)}`);
}

/**
 * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight. ORT registers
 * SimplifiedLayerNormalization in the default domain (CPU, CUDA and WebGPU kernels). Outputs the
 * normed x only (its optional inverse standard deviation is not asked for: see rmsNormVjp).
 */
const FusedRmsNorm = defineOp<{ eps: number }>({
  name: 'SimplifiedLayerNormalization',
  infer: ([x, w]) => {
    checkNorm('SimplifiedLayerNormalization', x, w);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  emit: (e, ins, outs, { eps }) => e.node('SimplifiedLayerNormalization', ins, outs, { axis: -1, epsilon: { float: eps } }),
  vjp: (n, [g]) => {
    if (!g) return [undefined, undefined];
    const { dx, dw } = rmsNormVjp(n.inputs[0], n.inputs[1], n.attrs.eps, g);
    return [dx, dw];
  },
});
export const fusedRmsNorm = (x: Tensor, weight: Tensor, eps: number): Tensor => apply(FusedRmsNorm, [x, weight], { eps });

/**
 * The residual sum s = x + skip and its RMSNorm s / sqrt(mean(s^2) + eps) * weight, in one kernel
 * (ORT's contrib SkipSimplifiedLayerNormalization; its optional outputs 1 and 2, the mean and the
 * inverse standard deviation, are not asked for: see rmsNormVjp). Outputs: [normed, sum]; x and
 * skip of one shape.
 */
const FusedSkipRmsNorm = defineOp<{ eps: number }>({
  name: 'SkipSimplifiedLayerNormalization',
  infer: ([x, skip, w]) => {
    checkNorm('SkipSimplifiedLayerNormalization', x, w);
    if (skip.rank !== x.rank || skip.shape.some((d, i) => d !== x.shape[i]))
      throw new ShapeError(
        `SkipSimplifiedLayerNormalization: skip ${formatShape(skip.shape)} is not shaped like x ${formatShape(x.shape)}`,
      );
    return [
      { dtype: x.dtype, shape: x.shape },
      { dtype: x.dtype, shape: x.shape },
    ];
  },
  emit: (e, ins, [normed, sum], { eps }) =>
    e.node('SkipSimplifiedLayerNormalization', ins, [normed, '', '', sum], { epsilon: { float: eps } }, MICROSOFT),
  // Both inputs receive the sum's whole cotangent: its own, plus what flows back through the norm.
  vjp: (n, [gNormed, gSum]) => {
    const sum = n.outputs[1];
    const norm = gNormed && rmsNormVjp(sum, n.inputs[2], n.attrs.eps, gNormed);
    const dSum = norm && gSum ? add(norm.dx, gSum) : (norm?.dx ?? gSum);
    return [dSum, dSum, norm?.dw];
  },
});
export function fusedSkipRmsNorm(x: Tensor, skip: Tensor, weight: Tensor, eps: number): { normed: Tensor; sum: Tensor } {
  const [normed, sum] = x.graph.addNode(FusedSkipRmsNorm, [x, skip, weight], { eps }).outputs;
  return { normed, sum };
}

/**
 * RoPE in HF's rotate_half layout on x [B, n, T, D] at int64 positions [B, T], from tables
 * cos/sin [maxPositions, D / 2] (ORT's contrib RotaryEmbedding, non-interleaved). The rotation is
 * orthogonal, so its VJP is the inverse rotation: the same kernel with sin negated.
 */
const FusedRope = defineOp({
  name: 'RotaryEmbedding',
  infer: ([x, pos, cos]) => {
    if (x.rank !== 4 || pos.rank !== 2 || cos.rank !== 2 || cos.shape[1] !== (x.shape[3] as number) / 2) {
      throw new ShapeError(
        `RotaryEmbedding: x ${formatShape(x.shape)}, positions ${formatShape(pos.shape)}, cos ${formatShape(cos.shape)}`,
      );
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  emit: (e, ins, outs) => e.node('RotaryEmbedding', ins, outs, { interleaved: 0 }, MICROSOFT),
  vjp: (n, [g]) => {
    const [, pos, cos, sin] = n.inputs;
    return [g && fusedRope(g, pos, cos, neg(sin)), undefined, undefined, undefined];
  },
});
export const fusedRope = (x: Tensor, positions: Tensor, cos: Tensor, sin: Tensor): Tensor =>
  apply(FusedRope, [x, positions, cos, sin], {});
