// The learned verifier: scores a (question, response) pair in [0, 1] with a transformer trunk, a
// head on the response's pooled hidden state and the response's likelihood under the trunk's LM
// head; trained with binary cross-entropy on responses sampled from the base agents, labelled by
// ground truth and balanced per question, plus any responses annotators labelled
// (verifier.humanLabels; verifierSetup.ts); frozen during MAPoRL. The ground-truth
// verifier (1 if the answer is correct, else 0: the paper's verifier-free variant) is in discussion.ts.
import { dataOf, type HostTensor } from '../../core/hostTensor';
import { Graph, type Tensor } from '../../graph/graph';
import type { Dim } from '../../graph/shape';
import * as F from '../../graph/ops';
import { serialize } from '../../graph/serialize';
import type { TrainStepSpec } from '../../graph/train/stepGraphs';
import { bindWeights, inferenceOptions, rowsPerRun, tokenLogprobs, weightBinding, weightFeeds } from '../../generate/graphs';
import { actionBatch } from '../../generate/actions';
import type { ModelConfig } from '../../io/hfConfig';
import type { Tokenizer } from '../../io/tokenizer';
import { frozenLimitFor } from '../../nn/frozen';
import { initHead, scalarHead, VERIFIER_HEAD } from '../../nn/heads';
import { llamaForward, lmHead, type ForwardOptions, type Weights } from '../../nn/llama';
import type { CausalLM } from '../../nn/model';
import { Session, type RuntimeOptions } from '../../runtime/session';
import { TrainStep } from '../../runtime/trainStep';
import { padTokenId, promptTokens } from '../../prompts/tokens';
import { Rng } from '../../core/random';
import { defaultPromptOptions, fillTemplate } from '../discussion/prompts';

/** The likelihood features' weights [1, 2]: mean and min log-probability of the response tokens. */
export const LIKELIHOOD_HEAD = 'score.likelihood.weight';

/**
 * The verifier's logit [B]: a linear head over the mean hidden state of the response tokens, plus
 * a linear function of how likely the response is under the trunk's own language-model head (mean
 * and minimum log-probability of its tokens). A small trunk trained on a few hundred labelled
 * answers barely separates right from wrong from its hidden states alone (held-out AUC ~0.55 with
 * the `tiny` agents), while the likelihood of an answer under a model of the task separates them
 * well (a wrong sum is an unlikely continuation); the head learns how much each signal counts.
 * `response_mask` [B, T] is 1 on the response's tokens; the likelihood reads only the N positions
 * that predict them (`action_index` [N] into B*T, `action_targets` [N], `action_rows` [B, N]
 * one-hot of each one's sequence), so only those go through the LM head: no [B, T, V] logits.
 */
function verifierLogits(
  cfg: ModelConfig,
  w: Weights,
  b: Record<string, Tensor>,
  options?: ForwardOptions & { head?: (x: Tensor, w: Tensor) => Tensor },
): Tensor {
  const { hidden } = llamaForward(
    cfg,
    w,
    { inputIds: b.input_ids, positions: b.positions, attentionMask: b.attention_mask },
    options,
  );
  const m = F.cast(b.response_mask, 'float32');
  const pooled = F.maskedMean(hidden, F.unsqueeze(m, [2]), [1]); // [B, C]
  const predicting = F.gatherDistinct(F.reshape(hidden, [-1, cfg.hiddenSize]), b.action_index); // [N, C]
  const { logprobs } = tokenLogprobs(lmHead(cfg, w, predicting, options?.head), b.action_targets); // [N]
  const rows = b.action_rows; // [B, N]
  const lp = F.mul(rows, F.unsqueeze(logprobs, [0])); // [B, N]: 0 off the row, <= 0 on it
  const meanLp = F.div(F.reduceSum(lp, [1], true), F.add(F.reduceSum(rows, [1], true), 1e-6)); // [B, 1]
  const minLp = F.neg(F.reduceMax(F.neg(lp), [1], true)); // [B, 1]
  const likelihood = F.squeeze(F.linear(F.concat([meanLp, minLp], 1), w[LIKELIHOOD_HEAD]), [-1]); // [B]
  return F.add(scalarHead(pooled, w, VERIFIER_HEAD), likelihood);
}

export interface LabelledExample {
  question: string;
  response: string;
  correct: boolean;
  /** Weight of the example's loss (default 1): human-labelled responses may count more (verifier.humanLabels). */
  weight?: number;
}

/**
 * The heads start from zero on a pretrained trunk and must move far in a few hundred steps; at the
 * trunk's learning rate (1e-4 in the demo) they barely leave zero (held-out AUC stayed ~0.55).
 */
const HEADS = new Set<string>([VERIFIER_HEAD.weight, VERIFIER_HEAD.bias, LIKELIHOOD_HEAD]);
const HEAD_LR_SCALE = 100;

/** The verifier graphs' batch inputs (see verifierLogits). */
const VERIFIER_INPUTS: Record<string, { dtype: 'int64' | 'float32'; shape: Dim[] }> = {
  input_ids: { dtype: 'int64', shape: ['B', 'T'] },
  positions: { dtype: 'int64', shape: ['B', 'T'] },
  attention_mask: { dtype: 'int64', shape: ['B', 'T'] },
  response_mask: { dtype: 'int64', shape: ['B', 'T'] },
  action_index: { dtype: 'int64', shape: ['N'] },
  action_targets: { dtype: 'int64', shape: ['N'] },
  action_rows: { dtype: 'float32', shape: ['B', 'N'] },
};

export class LearnedVerifier {
  readonly timing = { runMs: 0 };
  private session?: { session: Session; feeds: Record<string, HostTensor> };

  /**
   * `firstTemplate` is the discussion's turn-1 prompt: the verifier reads a question exactly as the
   * agents were asked it (chat template included), then the response as their reply, so the
   * trunk's language model, initialised from an agent, sees the text it was trained on.
   */
  constructor(
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weights: Record<string, HostTensor>,
    private readonly runtime: RuntimeOptions = {},
    private readonly firstTemplate = defaultPromptOptions().templates.first,
  ) {
    // Verifiers saved before the likelihood features existed score as before: zero weights.
    weights[LIKELIHOOD_HEAD] ??= { dtype: 'float32', shape: [1, 2], data: new Float32Array(2) };
  }

  /** A verifier whose trunk starts from `base` (e.g. a base agent) and a zero head. */
  static fromBase(base: CausalLM, runtime: RuntimeOptions = {}, firstTemplate?: string): LearnedVerifier {
    return new LearnedVerifier(
      base.config,
      base.tokenizer,
      { ...base.weights, ...initHead(base.config, VERIFIER_HEAD) },
      runtime,
      firstTemplate,
    );
  }

  /** The verifier's input as prompt and response tokens (the last maxPositionEmbeddings kept). */
  private encode(question: string, response: string): { prompt: number[]; response: number[] } {
    const prompt = promptTokens(this.tokenizer, fillTemplate(this.firstTemplate, { question }));
    const answer = this.tokenizer.encode(` ${response.trim()}`, { addSpecialTokens: false });
    const cut = Math.max(0, prompt.length + answer.length - this.config.maxPositionEmbeddings);
    return { prompt: prompt.slice(Math.min(cut, prompt.length)), response: answer.slice(Math.max(0, cut - prompt.length)) };
  }

  /** A left-padded batch with its actions (generate/actions.ts), response_mask [B, T] and action_rows [B, N]. */
  private batch(enc: { prompt: number[]; response: number[] }[]): Record<string, HostTensor> {
    const { tensors, actionRow, T } = actionBatch(enc, padTokenId(this.tokenizer));
    const B = enc.length,
      N = actionRow.length;
    const responseMask = new BigInt64Array(B * T);
    enc.forEach((e, r) => responseMask.fill(1n, (r + 1) * T - e.response.length, (r + 1) * T));
    const rows = new Float32Array(B * N);
    actionRow.forEach((r, n) => (rows[r * N + n] = 1));
    return {
      ...tensors,
      response_mask: { dtype: 'int64', shape: [B, T], data: responseMask },
      action_rows: { dtype: 'float32', shape: [B, N], data: rows },
    };
  }

  /** Scores in [0, 1], batched. The weights are frozen into the scoring graph. */
  async score(pairs: { question: string; response: string }[]): Promise<number[]> {
    if (!this.session) {
      const g = new Graph('verifier');
      const binding = weightBinding(this.weights, new Set(), frozenLimitFor(this.runtime.frozenWeights));
      const w = bindWeights(g, binding);
      const inputs = Object.fromEntries(Object.entries(VERIFIER_INPUTS).map(([n, t]) => [n, g.input(n, t.dtype, t.shape)]));
      g.output('scores', F.sigmoid(verifierLogits(this.config, w, inputs, inferenceOptions(binding))));
      this.session = { session: await Session.create(serialize(g), this.runtime), feeds: weightFeeds(binding) };
    }
    const out: number[] = [];
    // Logits [N, V] of the response positions: batches sized to the vocabulary (by sequence length, an upper bound).
    const enc = pairs.map((p) => this.encode(p.question, p.response));
    const rows = rowsPerRun(Math.max(0, ...enc.map((e) => e.prompt.length + e.response.length)), this.config.vocabSize, 64);
    for (let i = 0; i < enc.length; i += rows) {
      const b = this.batch(enc.slice(i, i + rows));
      const t0 = performance.now();
      const r = await this.session.session.run({ ...b, ...this.session.feeds });
      this.timing.runMs += performance.now() - t0;
      out.push(...Array.from(dataOf(r.scores, 'float32', 'scores')));
    }
    return out;
  }

  /** Trains trunk and head with BCE; returns the loss of each step. */
  async train(
    examples: LabelledExample[],
    o: {
      epochs: number;
      lr: number;
      batchSize: number;
      seed: number;
      onStep?: (step: number, total: number, loss: number) => void;
    },
  ): Promise<number[]> {
    const cfg = this.config;
    const spec: TrainStepSpec = {
      name: 'verifier_step',
      params: Object.fromEntries(
        Object.entries(this.weights).map(([n, t]) => [
          n,
          { shape: t.shape, decay: t.shape.length > 1, lrScale: HEADS.has(n) ? HEAD_LR_SCALE : 1 },
        ]),
      ),
      batch: { ...VERIFIER_INPUTS, labels: { dtype: 'float32', shape: ['B'] }, weights: { dtype: 'float32', shape: ['B'] } },
      maxGradNorm: 1,
      loss: (p, b) => {
        const x = verifierLogits(cfg, p, b);
        // BCE with logits, stable: max(x, 0) - x·y + log(1 + exp(-|x|)); each example's times its weight (1 unless human-labelled)
        const bce = F.add(F.sub(F.relu(x), F.mul(x, b.labels)), F.log(F.add(F.exp(F.neg(F.abs(x))), 1)));
        return { loss: F.meanAll(F.mul(bce, b.weights)) };
      },
    };
    const step = await TrainStep.compile(spec, this.runtime);
    try {
      const state = step.initState(this.weights);
      const rng = new Rng(o.seed, 'verifier/order');
      const losses: number[] = [];
      const perEpoch = Math.ceil(examples.length / o.batchSize);
      const total = perEpoch * o.epochs;
      for (let e = 0; e < o.epochs; e++) {
        const order = rng.shuffle([...examples.keys()]);
        for (let i = 0; i < order.length; i += o.batchSize) {
          const part = order.slice(i, i + o.batchSize).map((k) => examples[k]);
          const labels: HostTensor = {
            dtype: 'float32',
            shape: [part.length],
            data: Float32Array.from(part.map((x) => (x.correct ? 1 : 0))),
          };
          const weights: HostTensor = {
            dtype: 'float32',
            shape: [part.length],
            data: Float32Array.from(part.map((x) => x.weight ?? 1)),
          };
          const res = await step.run(
            state,
            { ...this.batch(part.map((x) => this.encode(x.question, x.response))), labels, weights },
            o.lr,
          );
          losses.push(res.loss);
          o.onStep?.(losses.length, total, res.loss);
        }
      }
      Object.assign(this.weights, state.params);
      const stale = this.session; // scored with the old weights
      this.session = undefined;
      await stale?.session.release();
      return losses;
    } finally {
      await step.release();
    }
  }

  async release(): Promise<void> {
    await this.session?.session.release();
  }
}
