// Fused inference kernels of ONNX Runtime: one kernel where the composite ops of nn.ts take five to
// seven. They have no VJP rule (grad() refuses a graph that differentiates through them), so only
// inference graphs use them: generation and scoring, where a step of a small model is a few hundred
// tiny kernels and their count, not arithmetic, sets the time.
import { apply, defineOp, type Tensor } from '../graph';
import { ShapeError, formatShape } from '../shape';

/** ORT's contrib-op domain. */
const MICROSOFT = 'com.microsoft';

/**
 * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight. ORT registers
 * SimplifiedLayerNormalization in the default domain (CPU, CUDA and WebGPU kernels).
 */
const FusedRmsNorm = defineOp<{ eps: number }>({
  name: 'SimplifiedLayerNormalization',
  infer: ([x, w]) => {
    if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1])
      throw new ShapeError(`SimplifiedLayerNormalization: weight ${formatShape(w.shape)} does not match ${formatShape(x.shape)}`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  emit: (e, ins, outs, { eps }) => e.node('SimplifiedLayerNormalization', ins, outs, { axis: -1, epsilon: { float: eps } }),
});
export const fusedRmsNorm = (x: Tensor, weight: Tensor, eps: number): Tensor => apply(FusedRmsNorm, [x, weight], { eps });

/**
 * The residual sum s = x + skip and its RMSNorm s / sqrt(mean(s^2) + eps) * weight, in one kernel
 * (ORT's contrib SkipSimplifiedLayerNormalization; outputs 1 and 2, the mean and inverse standard
 * deviation, are not asked for). Outputs: [normed, sum], both shaped like x.
 */
const FusedSkipRmsNorm = defineOp<{ eps: number }>({
  name: 'SkipSimplifiedLayerNormalization',
  infer: ([x, skip, w]) => {
    if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1] || skip.rank !== x.rank)
      throw new ShapeError(
        `SkipSimplifiedLayerNormalization: x ${formatShape(x.shape)}, skip ${formatShape(skip.shape)}, weight ${formatShape(w.shape)}`,
      );
    return [
      { dtype: x.dtype, shape: x.shape },
      { dtype: x.dtype, shape: x.shape },
    ];
  },
  emit: (e, ins, [normed, sum], { eps }) =>
    e.node('SkipSimplifiedLayerNormalization', ins, [normed, '', '', sum], { epsilon: { float: eps } }, MICROSOFT),
});
export function fusedSkipRmsNorm(x: Tensor, skip: Tensor, weight: Tensor, eps: number): { normed: Tensor; sum: Tensor } {
  const [normed, sum] = x.graph.addNode(FusedSkipRmsNorm, [x, skip, weight], { eps }).outputs;
  return { normed, sum };
}

/**
 * RoPE in HF's rotate_half layout on x [B, n, T, D] at int64 positions [B, T], from tables
 * cos/sin [maxPositions, D / 2] (ORT's contrib RotaryEmbedding, non-interleaved).
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
});
export const fusedRope = (x: Tensor, positions: Tensor, cos: Tensor, sin: Tensor): Tensor =>
  apply(FusedRope, [x, positions, cos, sin], {});
