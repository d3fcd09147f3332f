// Graphs of multi-agent PPO for one policy (Park et al. 2025 use TRL's PPO; the math below is
// TRL's `loss` with a value head on the policy trunk):
//   ratio = exp(logp - logp_old)
//   policy loss = mean over response tokens of max(-A·ratio, -A·clip(ratio, 1-ε, 1+ε))
//   value loss  = ½ mean of max((V - R)², (V_old + clip(V - V_old, -εv, εv) - R)²)
//   loss = policy loss + vfCoef · value loss
// Log-probabilities are those of the sampling distribution softmax(logits / temperature), as TRL
// computes them for the policy and the reference alike: rollouts sampled at T = 0.7 are scored,
// clipped and KL-penalised under the policy that produced them. `temperature` [] is an input.
// Without a critic (group baselines), the value head and value loss are left out. With a separate
// critic (`criticPlacement: 'separate'`, as the paper's code has it) the policy's step has the
// policy loss alone and the critic trains in its own step on the value loss alone, so no value
// gradient reaches the policy.
// A model of a step is either every weight (full fine-tuning) or LoRA adapters on a frozen base
// (nn/lora.ts), the base entering as initializers or, when large, as fed inputs (nn/frozen.ts).
// Batches are rows of prompt+response sequences [B, T], left-padded, several to a row when packed
// (attention_mask as segment ids); the N actions are the positions whose target (the next token)
// belongs to a response, `action_index` [N] into the flattened B*T. Only their hidden states go
// through the LM head and the value head: prompts and padding never make logits (for a 150k
// vocabulary, the largest tensors of the step).
import type { Tensor } from '../../graph/graph';
import * as F from '../../graph/ops';
import type { TrainStepSpec } from '../../graph/train/stepGraphs';
import { Graph } from '../../graph/graph';
import { bindWeights, inferenceOptions, tokenLogprobs, type WeightBinding } from '../../generate/graphs';
import type { ModelConfig } from '../../io/hfConfig';
import type { FrozenWeights } from '../../nn/frozen';
import { scalarHead, VALUE_HEAD } from '../../nn/heads';
import { llamaForward, llamaParamShapes, lmHead, type ForwardOptions, type Weights } from '../../nn/llama';
import { loraLinear, type LoraConfig } from '../../nn/lora';

export type CriticPlacement = 'shared-trunk' | 'separate';

export interface PpoHyper {
  clipRange: number;
  vfClip: number;
  vfCoef: number;
  maxGradNorm: number;
  /** Train a value model (GAE); false for group baselines. */
  critic: boolean;
  /** Where the value model sits when `critic`: a head on the policy trunk, or a model of its own (the config's default). */
  criticPlacement?: CriticPlacement;
}

/** Whether a policy with these settings has a value head on its own trunk, trained with its loss. */
export const sharedTrunkCritic = (h: PpoHyper): boolean => h.critic && (h.criticPlacement ?? 'shared-trunk') === 'shared-trunk';

/** The trainable model of a step: its parameter shapes and, under LoRA, the adapters' config and frozen base. */
export interface StepModel {
  /** Trainable tensors: every weight (full fine-tuning) or the adapters, plus the value head if this model has one. */
  params: Record<string, number[]>;
  lora?: { config: LoraConfig; base: FrozenWeights; names: string[] };
}

const SEQ = ['B', 'T'];
const ACTIONS = ['N'];
const QUERIES = ['B', 'A'];
const mean = (x: Tensor) => F.div(F.sumAll(x), F.maximum(F.countOf(x, [0]), 1)); // over the N actions [N]

/**
 * Hidden states [N, C] of the action positions, from weights `w` (adapters hooked in by `options.linear`).
 * Rows pack several sequences (attention_mask as segment ids, generate/actions.ts packedActionBatch);
 * the last layer runs at each row's action positions only (query_index [B, A]; action_index [N] into B*A),
 * the others split their causal attention in halves (rows are hundreds of tokens long).
 */
function acting(cfg: ModelConfig, w: Weights, b: Record<string, Tensor>, options: ForwardOptions): Tensor {
  const { hidden } = llamaForward(
    cfg,
    w,
    { inputIds: b.input_ids, positions: b.positions, attentionMask: b.attention_mask, queryIndex: b.query_index },
    { ...options, segments: true, causalHalves: true },
  ); // [B, A, C]
  return F.gatherDistinct(F.reshape(hidden, [-1, cfg.hiddenSize]), b.action_index);
}

/** Per action [N]: log-probability and entropy of the next-token distribution at the temperature. */
function tokenScores(
  cfg: ModelConfig,
  w: Weights,
  h: Tensor,
  b: Record<string, Tensor>,
  head?: (x: Tensor, w: Tensor) => Tensor,
) {
  return tokenLogprobs(F.div(lmHead(cfg, w, h, head), b.temperature), b.action_targets); // logits [N, V]
}

/** ½ mean of the clipped squared value error [N] → []. */
function valueLoss(values: Tensor, b: Record<string, Tensor>, vfClip: number): Tensor {
  const vClipped = F.add(b.old_values, F.clip(F.sub(values, b.old_values), -vfClip, vfClip));
  const vErr = F.sub(values, b.returns),
    vErrClipped = F.sub(vClipped, b.returns);
  return F.mul(mean(F.maximum(F.mul(vErr, vErr), F.mul(vErrClipped, vErrClipped))), 0.5);
}

/**
 * The weights and forward options of a training graph: parameters alone (full fine-tuning), or
 * the frozen base (initializers `fz`, or fed `frozen.<name>` inputs) with the adapters hooked in.
 */
function trainingWeights(
  m: StepModel,
  p: Record<string, Tensor>,
  b: Record<string, Tensor>,
  fz: Record<string, Tensor>,
): { w: Weights; options: ForwardOptions } {
  if (!m.lora) return { w: p, options: {} };
  const base = Object.fromEntries(m.lora.names.map((n) => [n, fz[n] ?? b[`frozen.${n}`]]));
  return {
    w: { ...base, ...p },
    options: { linear: loraLinear(m.lora.config, p, m.lora.config.dropout > 0 ? b.dropout_seed : undefined) },
  };
}

/** Batch inputs every step reads: the sequences, and the frozen base and dropout seed of LoRA. */
function commonBatch(m: StepModel): TrainStepSpec['batch'] {
  return {
    input_ids: { dtype: 'int64', shape: SEQ },
    positions: { dtype: 'int64', shape: SEQ },
    attention_mask: { dtype: 'int64', shape: SEQ },
    query_index: { dtype: 'int64', shape: QUERIES },
    action_index: { dtype: 'int64', shape: ACTIONS },
    ...(m.lora?.base.inputs ?? {}),
    ...(m.lora && m.lora.config.dropout > 0 ? { dropout_seed: { dtype: 'int64', shape: [] } } : {}),
  };
}

function stepParams(m: StepModel): TrainStepSpec['params'] {
  return Object.fromEntries(Object.entries(m.params).map(([n, s]) => [n, { shape: s, decay: s.length > 1 }]));
}

/**
 * The PPO train step of one policy: the clipped policy loss, plus vfCoef times the value loss of
 * the head on its trunk when the critic is shared (its gradient then reaches the trunk too).
 */
export function ppoStepSpec(cfg: ModelConfig, m: StepModel, h: PpoHyper): TrainStepSpec {
  const withValues = sharedTrunkCritic(h);
  const batch: TrainStepSpec['batch'] = {
    ...commonBatch(m),
    action_targets: { dtype: 'int64', shape: ACTIONS },
    old_logprobs: { dtype: 'float32', shape: ACTIONS },
    advantages: { dtype: 'float32', shape: ACTIONS },
    temperature: { dtype: 'float32', shape: [] },
    ...(withValues ? { returns: { dtype: 'float32', shape: ACTIONS }, old_values: { dtype: 'float32', shape: ACTIONS } } : {}),
  };
  return {
    name: 'ppo_step',
    params: stepParams(m),
    frozen: m.lora?.base.initializers,
    batch,
    maxGradNorm: h.maxGradNorm,
    optimizer: { weightDecay: 0 },
    loss: (p, b, fz) => {
      const { w, options } = trainingWeights(m, p, b, fz);
      const x = acting(cfg, w, b, options); // [N, C]
      const { logprobs, entropy } = tokenScores(cfg, w, x, b);
      const logRatio = F.sub(logprobs, b.old_logprobs);
      const ratio = F.exp(logRatio);
      const adv = b.advantages;
      const pg = F.maximum(F.neg(F.mul(adv, ratio)), F.neg(F.mul(adv, F.clip(ratio, 1 - h.clipRange, 1 + h.clipRange))));
      const policyLoss = mean(pg);
      const clipped = F.cast(F.greater(F.abs(F.sub(ratio, 1)), h.clipRange), 'float32');
      const metrics: Record<string, Tensor> = {
        policyLoss,
        clipFraction: mean(clipped),
        entropy: mean(entropy),
        approxKl: mean(F.mul(F.mul(logRatio, logRatio), 0.5)),
      };
      if (!withValues) return { loss: policyLoss, metrics };
      const vl = valueLoss(scalarHead(x, w, VALUE_HEAD), b, h.vfClip);
      return { loss: F.add(policyLoss, F.mul(vl, h.vfCoef)), metrics: { ...metrics, valueLoss: vl } };
    },
  };
}

/**
 * The train step of a separate critic: trunk (its own copy, or its own adapters on the frozen
 * base) and value head, on the clipped value loss alone. vfCoef, which weighs the value loss
 * against the policy loss on one set of weights, has no role here (AdamW is scale-invariant).
 */
export function criticStepSpec(cfg: ModelConfig, m: StepModel, h: PpoHyper): TrainStepSpec {
  return {
    name: 'critic_step',
    params: stepParams(m),
    frozen: m.lora?.base.initializers,
    batch: { ...commonBatch(m), returns: { dtype: 'float32', shape: ACTIONS }, old_values: { dtype: 'float32', shape: ACTIONS } },
    maxGradNorm: h.maxGradNorm,
    optimizer: { weightDecay: 0 },
    loss: (p, b, fz) => {
      const { w, options } = trainingWeights(m, p, b, fz);
      const vl = valueLoss(scalarHead(acting(cfg, w, b, options), w, VALUE_HEAD), b, h.vfClip);
      return { loss: vl, metrics: { valueLoss: vl } };
    },
  };
}

/**
 * One model read by a rollout-scoring graph. Its tensors are the binding's HF-named model weights,
 * overridden by those under its `prefix` (e.g. `ref.` for a full-fine-tuning policy's reference,
 * `critic.` for a separate critic's trunk or adapters and head); with no prefix, by the binding's
 * other unprefixed tensors (the policy's adapters and value head).
 */
export interface ScoredModel {
  prefix: string;
  /** Outputs `<out>logprobs`, `<out>entropy`, `<out>values` [N]. */
  out: string;
  lora?: LoraConfig;
  logprobs: boolean;
  entropy?: boolean;
  values: boolean;
}

/** The prefixes a scoring binding may use besides the policy's own tensors. */
export const SCORE_PREFIXES = ['ref.', 'critic.'] as const;

/**
 * Rollout scoring of a policy in one graph and one run: per action [N], the policy's
 * log-probabilities and entropies, the reference's log-probabilities and the critic's values,
 * each model as `models` says. Under LoRA the reference is the policy's own frozen base with the
 * adapters left out, so it reads the same weights (no second copy, in the host or in ORT).
 */
export function buildRolloutScoreGraph(cfg: ModelConfig, binding: WeightBinding, models: ScoredModel[]): Graph {
  const g = new Graph('rollout_score');
  const all = bindWeights(g, binding);
  const b: Record<string, Tensor> = {};
  for (const n of ['input_ids', 'positions', 'attention_mask']) b[n] = g.input(n, 'int64', SEQ);
  for (const n of ['action_index', 'action_targets']) b[n] = g.input(n, 'int64', ACTIONS);
  b.query_index = g.input('query_index', 'int64', QUERIES);
  b.temperature = g.input('temperature', 'float32', []);
  const inventory = new Set(Object.keys(llamaParamShapes(cfg)));
  const o = inferenceOptions(binding);
  for (const m of models) {
    const w: Weights = {};
    for (const [n, t] of Object.entries(all)) {
      const prefixed = SCORE_PREFIXES.some((p) => n.startsWith(p));
      if (!prefixed && (inventory.has(n) || m.prefix === '')) w[n] = t;
    }
    if (m.prefix) for (const [n, t] of Object.entries(all)) if (n.startsWith(m.prefix)) w[n.slice(m.prefix.length)] = t;
    const x = acting(cfg, w, b, m.lora ? { ...o, linear: loraLinear(m.lora, w) } : o);
    if (m.logprobs) {
      const { logprobs, entropy } = tokenScores(cfg, w, x, b, o.head);
      g.output(`${m.out}logprobs`, logprobs);
      if (m.entropy) g.output(`${m.out}entropy`, entropy);
    }
    if (m.values) g.output(`${m.out}values`, scalarHead(x, w, VALUE_HEAD));
  }
  return g;
}
