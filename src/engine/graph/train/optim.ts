// Optimizer math as graph code: global-norm clipping and AdamW (Loshchilov & Hutter), written to
// match torch.optim.AdamW and torch.nn.utils.clip_grad_norm_ step for step.
import type { Tensor } from '../graph';
import * as F from '../ops';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay, applied as p <- p (1 - lr wd) before the Adam update. */
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** sqrt(sum of squares of all gradients), a float32 scalar. */
export function globalNorm(grads: Tensor[]): Tensor {
  const sq = grads.map((g) => F.sumAll(F.mul(g, g)));
  return F.sqrt(sq.reduce((a, b) => F.add(a, b)));
}

/** Scale that clip_grad_norm_ applies: min(1, maxNorm / (norm + 1e-6)). */
export function clipScale(norm: Tensor, maxNorm: number): Tensor {
  return F.minimum(F.div(norm.graph.constant(maxNorm, norm.dtype), F.add(norm, 1e-6)), 1);
}

export interface AdamWState {
  param: Tensor;
  m: Tensor;
  v: Tensor;
}

/**
 * One AdamW update of one parameter. `step` is the 1-based step count t (float scalar), `lr` the
 * learning rate (float scalar); returns the new parameter and moments. `gradScale` (a scalar, e.g.
 * the clipping factor) multiplies g; it is folded into the moment coefficients so that scaling
 * costs no pass over the parameter.
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g²
 *   p <- p (1 - lr wd) - lr / (1 - b1^t) · m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
export function adamwUpdate(
  s: AdamWState,
  g: Tensor,
  lr: Tensor,
  step: Tensor,
  cfg: AdamWConfig,
  decay: boolean,
  gradScale?: Tensor,
): AdamWState {
  const c1 = gradScale ? F.mul(gradScale, 1 - cfg.beta1) : 1 - cfg.beta1;
  const c2 = gradScale ? F.mul(F.mul(gradScale, gradScale), 1 - cfg.beta2) : 1 - cfg.beta2;
  const m = F.add(F.mul(s.m, cfg.beta1), F.mul(g, c1));
  const v = F.add(F.mul(s.v, cfg.beta2), F.mul(F.mul(g, g), c2));
  const bc1 = F.sub(1, F.pow(step.graph.constant(cfg.beta1, step.dtype), step));
  const bc2 = F.sub(1, F.pow(step.graph.constant(cfg.beta2, step.dtype), step));
  const denom = F.add(F.div(F.sqrt(v), F.sqrt(bc2)), cfg.eps);
  const decayed = decay && cfg.weightDecay !== 0 ? F.mul(s.param, F.sub(1, F.mul(lr, cfg.weightDecay))) : s.param;
  const param = F.sub(decayed, F.mul(F.div(lr, bc1), F.div(m, denom)));
  return { param, m, v };
}
