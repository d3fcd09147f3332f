// One trainable policy of a MAPoRL team: its weights (trunk, LM head and value head) with AdamW
// state, a generation runtime that reads the current weights, rollout scoring (log-probs, values)
// and the frozen reference policy for the KL penalty. Shared by several agents or turns when the
// config says so.
import type { HostTensor } from '../graph/graph';
import { serialize } from '../graph/serialize';
import { TrainStep, type StepResult, type TrainState } from '../graph/train/trainStep';
import { rowsPerRun, weightBinding, weightFeeds } from '../generate/graphs';
import { actionBatch } from '../generate/actions';
import { LMRuntime } from '../generate/runtime';
import { frozenLimitFor } from '../nn/frozen';
import { initHead, VALUE_HEAD } from '../nn/heads';
import type { CausalLM } from '../nn/model';
import { Session, type RuntimeOptions } from '../runtime/session';
import { buildRolloutScoreGraph, ppoStepSpec, type PpoHyper } from './ppoGraph';

/** One sequence of a rollout: a prompt and the response sampled for it. */
export interface SequenceTokens { prompt: number[]; response: number[] }

export interface RolloutScores {
  /** Per response token: log p under the current policy, the reference, and the value. */
  logprobs: number[][];
  refLogprobs: number[][];
  values: number[][];
  entropy: number[][];
}

/** A PPO minibatch, per response token arrays aligned with `response`. */
export interface PpoSample extends SequenceTokens {
  oldLogprobs: number[];
  advantages: number[];
  returns: number[];
  oldValues: number[];
}

export class Policy {
  /** Time inside ORT runs of scoring and updates (generation is in lm.timing). */
  readonly timing = { scoreMs: 0, updateMs: 0 };

  private constructor(
    readonly name: string,
    readonly lm: LMRuntime,
    private readonly scoreSession: Session,
    private readonly refSession: Session,
    /** The reference policy's weights fed at each run (none unless the base is large). */
    private readonly refFeeds: Record<string, HostTensor>,
    private readonly step: TrainStep,
    readonly state: TrainState,
  ) {}

  static async create(name: string, base: CausalLM, hyper: PpoHyper, runtime: RuntimeOptions, valueHead?: Record<string, HostTensor>): Promise<Policy> {
    const cfg = base.config;
    // The policy owns a copy of the weights; the reference keeps the base ones, frozen.
    const head = valueHead ?? initHead(cfg, VALUE_HEAD);
    const weights = { ...copyWeights(base.weights), ...copyWeights(head) };
    const model: CausalLM = { ...base, weights };
    const trainable = new Set(Object.keys(weights));
    const shapes = Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, t.shape]));
    const reference = weightBinding(base.weights, new Set(), frozenLimitFor(runtime.frozenWeights));
    const [lm, scoreSession, refSession, step] = await Promise.all([
      LMRuntime.create(model, { trainable, runtime }),
      Session.create(serialize(buildRolloutScoreGraph(cfg, { weights, trainable }, true)), runtime),
      Session.create(serialize(buildRolloutScoreGraph(cfg, reference, false)), runtime),
      TrainStep.compile(ppoStepSpec(cfg, shapes, {}, hyper), runtime),
    ]);
    return new Policy(name, lm, scoreSession, refSession, weightFeeds(reference), step, step.initState(weights));
  }

  get weights(): Record<string, HostTensor> { return this.state.params; }

  /** Loads weights and optimizer state (resume). */
  restore(state: TrainState): void {
    Object.assign(this.state, state);
    this.lm.setWeights(this.state.params);
  }

  /** Log-probs, values and entropies of each response token under the policy, log-probs under the reference. */
  async scoreRollouts(seqs: SequenceTokens[]): Promise<RolloutScores> {
    const out: RolloutScores = { logprobs: [], refLogprobs: [], values: [], entropy: [] };
    const longest = Math.max(0, ...seqs.map((q) => q.prompt.length + q.response.length));
    const chunk = rowsPerRun(longest, this.lm.model.config.vocabSize, 64);
    for (let i = 0; i < seqs.length; i += chunk) {
      const part = seqs.slice(i, i + chunk);
      const feeds = actionBatch(part, 0).tensors;
      const t0 = performance.now();
      const pol = await this.scoreSession.run({ ...feeds, ...this.state.params });
      const ref = await this.refSession.run({ ...feeds, ...this.refFeeds });
      this.timing.scoreMs += performance.now() - t0;
      // Outputs are per action [N], the sequences' actions one after another.
      let at = 0;
      part.forEach((q) => {
        const pick = (t: HostTensor) => Array.from((t.data as Float32Array).subarray(at, at + q.response.length));
        out.logprobs.push(pick(pol.logprobs));
        out.values.push(pick(pol.values));
        out.entropy.push(pick(pol.entropy));
        out.refLogprobs.push(pick(ref.logprobs));
        at += q.response.length;
      });
    }
    return out;
  }

  /** One PPO optimizer step on a minibatch. */
  async update(samples: PpoSample[], lr: number): Promise<StepResult> {
    const feeds = actionBatch(samples, 0).tensors;
    const perAction = (get: (s: PpoSample) => number[]): HostTensor => {
      const data = Float32Array.from(samples.flatMap(get));
      return { dtype: 'float32', shape: [data.length], data };
    };
    const batch = {
      ...feeds,
      old_logprobs: perAction((s) => s.oldLogprobs), advantages: perAction((s) => s.advantages),
      returns: perAction((s) => s.returns), old_values: perAction((s) => s.oldValues),
    };
    const t0 = performance.now();
    const res = await this.step.run(this.state, batch, lr);
    this.timing.updateMs += performance.now() - t0;
    if (!res.skipped) this.lm.setWeights(this.state.params);
    return res;
  }

  async release(): Promise<void> {
    await Promise.all([this.lm.release(), this.scoreSession.release(), this.refSession.release()]);
  }
}

function copyWeights(w: Record<string, HostTensor>): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(w).map(([n, t]) => [n, { ...t, shape: [...t.shape], data: t.data.slice() } as HostTensor]));
}
