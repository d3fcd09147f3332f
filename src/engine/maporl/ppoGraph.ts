// Graphs of multi-agent PPO for one policy (Park et al. 2025 use TRL's PPO; the math below is
// TRL's `loss` with a value head on the policy trunk):
//   ratio = exp(logp - logp_old)
//   policy loss = mean over response tokens of max(-A·ratio, -A·clip(ratio, 1-ε, 1+ε))
//   value loss  = ½ mean of max((V - R)², (V_old + clip(V - V_old, -εv, εv) - R)²)
//   loss = policy loss + vfCoef · value loss
// Batches are left-padded sequences prompt+response [B, T]; the N actions are the positions whose
// target (the next token) belongs to a response, `action_index` [N] into the flattened B*T. Only
// their hidden states go through the LM head and the value head: prompts and padding never make
// logits (for a 150k vocabulary, the largest tensors of the step).
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { TrainStepSpec } from '../graph/train/trainStep';
import { Graph } from '../graph/graph';
import { bindWeights, inferenceOptions, tokenLogprobs, type WeightBinding } from '../generate/graphs';
import type { ModelConfig } from '../io/hfConfig';
import { scalarHead, VALUE_HEAD } from '../nn/heads';
import { llamaForward, lmHead, type ForwardOptions, type Weights } from '../nn/llama';

export interface PpoHyper {
  clipRange: number;
  vfClip: number;
  vfCoef: number;
  maxGradNorm: number;
}

const SEQ = ['B', 'T'];
const ACTIONS = ['N'];

/**
 * Per action [N]: log-probability and entropy of the policy's next-token distribution, and (with a
 * value head) the value.
 */
function forward(cfg: ModelConfig, w: Weights, b: Record<string, Tensor>, options: ForwardOptions & { head?: (x: Tensor, w: Tensor) => Tensor } = {}, withValues = true) {
  const { hidden } = llamaForward(cfg, w, { inputIds: b.input_ids, positions: b.positions, attentionMask: b.attention_mask }, options);
  const acting = F.gather(F.reshape(hidden, [-1, cfg.hiddenSize]), b.action_index); // [N, C]
  const { logprobs, entropy } = tokenLogprobs(lmHead(cfg, w, acting, options.head), b.action_targets);
  return { logprobs, entropy, values: withValues ? scalarHead(acting, w, VALUE_HEAD) : undefined };
}

/** The PPO train step of one policy: params = every weight of the trunk, LM head and value head. */
export function ppoStepSpec(cfg: ModelConfig, paramShapes: Record<string, number[]>, frozen: Record<string, import('../graph/graph').HostTensor>, h: PpoHyper): TrainStepSpec {
  const batch: TrainStepSpec['batch'] = {
    input_ids: { dtype: 'int64', shape: SEQ }, positions: { dtype: 'int64', shape: SEQ }, attention_mask: { dtype: 'int64', shape: SEQ },
    action_index: { dtype: 'int64', shape: ACTIONS }, action_targets: { dtype: 'int64', shape: ACTIONS },
    old_logprobs: { dtype: 'float32', shape: ACTIONS }, advantages: { dtype: 'float32', shape: ACTIONS },
    returns: { dtype: 'float32', shape: ACTIONS }, old_values: { dtype: 'float32', shape: ACTIONS },
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
      const { logprobs, entropy, values: v } = forward(cfg, w, b);
      const values = v!;
      const mean = (x: Tensor) => F.div(F.sumAll(x), F.maximum(F.countOf(x, [0]), 1)); // over the N actions
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
 * Rollout scoring of a policy: per action [N], log-probability, entropy and value. With no value
 * head in `binding` (the frozen reference policy), only log-probabilities are meaningful.
 */
export function buildRolloutScoreGraph(cfg: ModelConfig, binding: WeightBinding, withValues: boolean): Graph {
  const g = new Graph(withValues ? 'policy_score' : 'reference_score');
  const w = bindWeights(g, binding);
  const b: Record<string, Tensor> = {};
  for (const n of ['input_ids', 'positions', 'attention_mask']) b[n] = g.input(n, 'int64', SEQ);
  for (const n of ['action_index', 'action_targets']) b[n] = g.input(n, 'int64', ACTIONS);
  const { logprobs, entropy, values } = forward(cfg, w, b, inferenceOptions(binding), withValues);
  g.output('logprobs', logprobs);
  g.output('entropy', entropy);
  if (values) g.output('values', values);
  return g;
}
