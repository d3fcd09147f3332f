// Graphs of multi-agent PPO for one policy (Park et al. 2025 use TRL's PPO; the math below is
// TRL's `loss` with a value head on the policy trunk):
//   ratio = exp(logp - logp_old)
//   policy loss = mean over response tokens of max(-A·ratio, -A·clip(ratio, 1-ε, 1+ε))
//   value loss  = ½ mean of max((V - R)², (V_old + clip(V - V_old, -εv, εv) - R)²)
//   loss = policy loss + vfCoef · value loss
// Batches are left-padded sequences prompt+response [B, T]; `actionMask` is 1 where the target
// (the next token) belongs to the response.
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { TrainStepSpec } from '../graph/train/trainStep';
import { Graph } from '../graph/graph';
import { bindWeights, inferenceOptions, tokenLogprobs, type WeightBinding } from '../generate/graphs';
import type { ModelConfig } from '../io/hfConfig';
import { scalarHead, VALUE_HEAD } from '../nn/heads';
import { llamaForward, lmHead, type Weights } from '../nn/llama';

export interface PpoHyper {
  clipRange: number;
  vfClip: number;
  vfCoef: number;
  maxGradNorm: number;
}

const SEQ = ['B', 'T'];

function forward(cfg: ModelConfig, w: Weights, b: Record<string, Tensor>) {
  const { hidden } = llamaForward(cfg, w, { inputIds: b.input_ids, positions: b.positions, attentionMask: b.attention_mask });
  const { logprobs, entropy } = tokenLogprobs(lmHead(cfg, w, hidden), b.targets);
  return { logprobs, entropy, values: scalarHead(hidden, w, VALUE_HEAD) };
}

/** The PPO train step of one policy: params = every weight of the trunk, LM head and value head. */
export function ppoStepSpec(cfg: ModelConfig, paramShapes: Record<string, number[]>, frozen: Record<string, import('../graph/graph').HostTensor>, h: PpoHyper): TrainStepSpec {
  const batch: TrainStepSpec['batch'] = {
    input_ids: { dtype: 'int64', shape: SEQ }, positions: { dtype: 'int64', shape: SEQ }, attention_mask: { dtype: 'int64', shape: SEQ },
    targets: { dtype: 'int64', shape: SEQ }, action_mask: { dtype: 'float32', shape: SEQ }, old_logprobs: { dtype: 'float32', shape: SEQ },
    advantages: { dtype: 'float32', shape: SEQ }, returns: { dtype: 'float32', shape: SEQ }, old_values: { dtype: 'float32', shape: SEQ },
  };
  return {
    name: 'ppo_step',
    params: Object.fromEntries(Object.entries(paramShapes).map(([n, s]) => [n, { shape: s, decay: s.length > 1 }])),
    frozen,
    batch,
    maxGradNorm: h.maxGradNorm,
    optimizer: { weightDecay: 0 },
    loss: (p, b, fz) => {
      const w = { ...fz, ...p };
      const { logprobs, entropy, values } = forward(cfg, w, b);
      const mask = b.action_mask;
      const mean = (x: Tensor) => F.div(F.sumAll(F.mul(x, mask)), F.maximum(F.sumAll(mask), 1));
      const logRatio = F.sub(logprobs, b.old_logprobs);
      const ratio = F.exp(logRatio);
      const adv = b.advantages;
      const pg = F.maximum(F.neg(F.mul(adv, ratio)), F.neg(F.mul(adv, F.clip(ratio, 1 - h.clipRange, 1 + h.clipRange))));
      const policyLoss = mean(pg);
      const vClipped = F.add(b.old_values, F.clip(F.sub(values, b.old_values), -h.vfClip, h.vfClip));
      const vErr = F.sub(values, b.returns), vErrClipped = F.sub(vClipped, b.returns);
      const valueLoss = F.mul(mean(F.maximum(F.mul(vErr, vErr), F.mul(vErrClipped, vErrClipped))), 0.5);
      const clipped = F.cast(F.greater(F.abs(F.sub(ratio, 1)), h.clipRange), 'float32');
      return {
        loss: F.add(policyLoss, F.mul(valueLoss, h.vfCoef)),
        metrics: {
          policyLoss, valueLoss, clipFraction: mean(clipped), entropy: mean(entropy),
          approxKl: mean(F.mul(F.mul(logRatio, logRatio), 0.5)),
        },
      };
    },
  };
}

/**
 * Rollout scoring of a policy: per-token log-probabilities, entropies and values [B, T]. With no
 * value head in `binding` (the frozen reference policy), only log-probabilities are meaningful.
 */
export function buildRolloutScoreGraph(cfg: ModelConfig, binding: WeightBinding, withValues: boolean): Graph {
  const g = new Graph(withValues ? 'policy_score' : 'reference_score');
  const w = bindWeights(g, binding);
  const b: Record<string, Tensor> = {};
  for (const n of ['input_ids', 'positions', 'attention_mask', 'targets']) b[n] = g.input(n, 'int64', SEQ);
  const o = inferenceOptions(binding);
  const { hidden } = llamaForward(cfg, w, { inputIds: b.input_ids, positions: b.positions, attentionMask: b.attention_mask }, o);
  const { logprobs, entropy } = tokenLogprobs(lmHead(cfg, w, hidden, o.head), b.targets);
  g.output('logprobs', logprobs);
  g.output('entropy', entropy);
  if (withValues) g.output('values', scalarHead(hidden, w, VALUE_HEAD));
  return g;
}
