// The verifier: scores a (question, response) pair in [0, 1]. Learned: a transformer trunk with a
// sigmoid head, trained with binary cross-entropy on responses sampled from the base agents and
// labelled by ground truth, balanced per question; frozen during MAPoRL. Ground-truth: 1 if the
// response's answer is correct, else 0 (the paper's verifier-free variant).
import { Graph, type HostTensor, type Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import { serialize } from '../graph/serialize';
import { TrainStep, type TrainStepSpec } from '../graph/train/trainStep';
import { bindWeights, inferenceOptions, weightBinding, weightFeeds } from '../generate/graphs';
import { leftPad } from '../generate/runtime';
import type { ModelConfig } from '../io/hfConfig';
import type { Tokenizer } from '../io/tokenizer';
import { initHead, scalarHead, VERIFIER_HEAD } from '../nn/heads';
import { llamaForward, type ForwardOptions, type Weights } from '../nn/llama';
import type { CausalLM } from '../nn/model';
import { Session, type RuntimeOptions } from '../runtime/session';
import { Rng } from '../tasks/rng';

/** The text a verifier reads: the question and one response. */
export function verifierText(question: string, response: string): string {
  return `${question}\nA: ${response.trim()}`;
}

/** logit [B] of the sequence's last token (left padding puts it at T - 1). */
function verifierLogits(cfg: ModelConfig, w: Weights, ids: Tensor, pos: Tensor, mask: Tensor, options?: ForwardOptions) {
  const { hidden } = llamaForward(cfg, w, { inputIds: ids, positions: pos, attentionMask: mask }, options);
  return scalarHead(F.squeeze(F.takeLast(hidden, 1), [1]), w, VERIFIER_HEAD);
}

export interface LabelledExample { question: string; response: string; correct: boolean }

export interface VerifierReport {
  trainExamples: number;
  heldOutExamples: number;
  auc: number;
  /** Expected calibration error over 10 equal-width bins. */
  ece: number;
  accuracy: number;
  finalLoss: number;
}

export class LearnedVerifier {
  readonly timing = { runMs: 0 };
  private session?: { session: Session; feeds: Record<string, HostTensor> };

  constructor(readonly config: ModelConfig, readonly tokenizer: Tokenizer, readonly weights: Record<string, HostTensor>, private readonly runtime: RuntimeOptions = {}) {}

  /** A verifier whose trunk starts from `base` (e.g. a base agent) and a zero head. */
  static fromBase(base: CausalLM, runtime: RuntimeOptions = {}): LearnedVerifier {
    const weights = { ...base.weights, ...initHead(base.config, VERIFIER_HEAD) };
    return new LearnedVerifier(base.config, base.tokenizer, weights, runtime);
  }

  private encode(question: string, response: string): number[] {
    return this.tokenizer.encode(verifierText(question, response)).slice(-this.config.maxPositionEmbeddings);
  }

  /** Scores in [0, 1], batched. The weights are frozen into the scoring graph. */
  async score(pairs: { question: string; response: string }[]): Promise<number[]> {
    if (!this.session) {
      const g = new Graph('verifier');
      const binding = weightBinding(this.weights);
      const w = bindWeights(g, binding);
      const ids = g.input('input_ids', 'int64', ['B', 'T']), pos = g.input('positions', 'int64', ['B', 'T']), mask = g.input('attention_mask', 'int64', ['B', 'T']);
      g.output('scores', F.sigmoid(verifierLogits(this.config, w, ids, pos, mask, inferenceOptions(binding))));
      this.session = { session: await Session.create(serialize(g), this.runtime), feeds: weightFeeds(binding) };
    }
    const out: number[] = [];
    for (let i = 0; i < pairs.length; i += 64) {
      const b = leftPad(pairs.slice(i, i + 64).map((p) => this.encode(p.question, p.response)), this.tokenizer.padId ?? 0);
      const t0 = performance.now();
      const r = await this.session.session.run({ input_ids: b.ids, positions: b.positions, attention_mask: b.mask, ...this.session.feeds });
      this.timing.runMs += performance.now() - t0;
      out.push(...Array.from(r.scores.data as Float32Array));
    }
    return out;
  }

  /** Trains trunk and head with BCE; returns the loss of each step. */
  async train(examples: LabelledExample[], o: { epochs: number; lr: number; batchSize: number; seed: number; onStep?: (step: number, total: number, loss: number) => void }): Promise<number[]> {
    const cfg = this.config;
    const spec: TrainStepSpec = {
      name: 'verifier_step',
      params: Object.fromEntries(Object.entries(this.weights).map(([n, t]) => [n, { shape: t.shape, decay: t.shape.length > 1 }])),
      batch: { input_ids: { dtype: 'int64', shape: ['B', 'T'] }, positions: { dtype: 'int64', shape: ['B', 'T'] }, attention_mask: { dtype: 'int64', shape: ['B', 'T'] }, labels: { dtype: 'float32', shape: ['B'] } },
      maxGradNorm: 1,
      loss: (p, b) => {
        const x = verifierLogits(cfg, p, b.input_ids, b.positions, b.attention_mask);
        // BCE with logits, stable: max(x, 0) - x·y + log(1 + exp(-|x|))
        const bce = F.add(F.sub(F.relu(x), F.mul(x, b.labels)), F.log(F.add(F.exp(F.neg(F.abs(x))), 1)));
        return { loss: F.meanAll(bce) };
      },
    };
    const step = await TrainStep.compile(spec, this.runtime);
    const state = step.initState(this.weights);
    const rng = new Rng(o.seed, 'verifier/order');
    const losses: number[] = [];
    const perEpoch = Math.ceil(examples.length / o.batchSize);
    const total = perEpoch * o.epochs;
    for (let e = 0; e < o.epochs; e++) {
      const order = rng.shuffle([...examples.keys()]);
      for (let i = 0; i < order.length; i += o.batchSize) {
        const part = order.slice(i, i + o.batchSize).map((k) => examples[k]);
        const b = leftPad(part.map((x) => this.encode(x.question, x.response)), this.tokenizer.padId ?? 0);
        const labels: HostTensor = { dtype: 'float32', shape: [part.length], data: Float32Array.from(part.map((x) => (x.correct ? 1 : 0))) };
        const res = await step.run(state, { input_ids: b.ids, positions: b.positions, attention_mask: b.mask, labels }, o.lr);
        losses.push(res.loss);
        o.onStep?.(losses.length, total, res.loss);
      }
    }
    Object.assign(this.weights, state.params);
    this.session = undefined;
    return losses;
  }

  async release(): Promise<void> {
    await this.session?.session.release();
  }
}

/** Keeps, per question, as many correct as incorrect responses (the smaller count of each). */
export function balancePerQuestion(examples: LabelledExample[], rng: Rng): LabelledExample[] {
  const byQ = new Map<string, LabelledExample[]>();
  for (const x of examples) byQ.set(x.question, [...(byQ.get(x.question) ?? []), x]);
  const out: LabelledExample[] = [];
  for (const xs of byQ.values()) {
    const pos = rng.shuffle(xs.filter((x) => x.correct)), neg = rng.shuffle(xs.filter((x) => !x.correct));
    const n = Math.min(pos.length, neg.length);
    out.push(...pos.slice(0, n), ...neg.slice(0, n));
  }
  return out;
}

/** Area under the ROC curve (ties count half); NaN when one class is missing. */
export function auc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]), neg = scores.filter((_, i) => !labels[i]);
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** Expected calibration error with `bins` equal-width bins. */
export function expectedCalibrationError(scores: number[], labels: boolean[], bins = 10): number {
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const idx = scores.flatMap((s, i) => (s >= b / bins && (s < (b + 1) / bins || (b === bins - 1 && s <= 1)) ? [i] : []));
    if (idx.length === 0) continue;
    const conf = idx.reduce((a, i) => a + scores[i], 0) / idx.length;
    const acc = idx.filter((i) => labels[i]).length / idx.length;
    ece += (idx.length / scores.length) * Math.abs(conf - acc);
  }
  return ece;
}
