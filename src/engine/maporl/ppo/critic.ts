// The separate critic of a policy (`training.ppo.critic: "separate"`): a value model of its own,
// trained on the clipped value loss alone, so its gradient never reaches the policy. The paper's
// code (TRL with PEFT) gives each turn's policy a separate value adapter and a linear head on the
// frozen base; here it is
//   full fine-tuning: a copy of the base trunk (every weight but an untied LM head) + value head;
//   LoRA:             its own adapters on the policy's frozen base (the same host arrays) + value head.
// Its values are computed in the policy's scoring graph (policy.ts) from the tensors named
// `critic.<name>`, so scoring stays one ORT run per chunk of rollouts.
//
// The critic reads the same prompt + response as the policy: for turn 1 that is the official
// critic's input, for later turns the prompt also holds the discussion so far. The official critic
// reads only the turn-1 question, but the return it predicts depends on what the other agents
// said (the influence-aware reward), so the full prompt is the better-informed input, and it keeps
// one batch layout for scoring both models.
import type { HostTensor } from '../../core/hostTensor';
import { TrainStep, type TrainState } from '../../runtime/trainStep';
import { initHead, VALUE_HEAD } from '../../nn/heads';
import { llamaParamShapes } from '../../nn/llama';
import { initLoraWeights, type LoraConfig } from '../../nn/lora';
import type { CausalLM } from '../../nn/model';
import type { FrozenWeights } from '../../nn/frozen';
import type { RuntimeOptions } from '../../runtime/session';
import type { ModelStep } from './minibatch';
import { criticStepSpec, type PpoHyper, type StepModel } from './ppoGraph';

/** The names of the critic's tensors in a scoring graph. */
export const CRITIC_PREFIX = 'critic.';

export class Critic {
  private constructor(
    private readonly step: TrainStep,
    readonly state: TrainState,
    private readonly frozenFeeds: Record<string, HostTensor>,
    private readonly dropout: boolean,
  ) {}

  /**
   * `base` is the policy's frozen base under LoRA (the same FrozenWeights, so the same arrays are
   * fed or embedded) or the weights its trunk copy starts from.
   */
  static create(
    model: CausalLM,
    hyper: PpoHyper,
    runtime: RuntimeOptions,
    lora?: { config: LoraConfig; base: FrozenWeights; seed: number },
  ): Critic {
    const cfg = model.config;
    const head = initHead(cfg, VALUE_HEAD);
    let init: Record<string, HostTensor>;
    let m: StepModel;
    if (lora) {
      init = { ...initLoraWeights(cfg, lora.config, lora.seed), ...head };
      m = { params: shapesOf(init), lora: { config: lora.config, base: lora.base, names: Object.keys(model.weights) } };
    } else {
      // The LM head makes no value: an untied lm_head.weight [V, C] would only carry zero gradients and Adam moments.
      const trunk = Object.keys(llamaParamShapes(cfg)).filter((n) => n !== 'lm_head.weight');
      init = { ...Object.fromEntries(trunk.map((n) => [n, model.weights[n]])), ...head };
      m = { params: shapesOf(init) };
    }
    // Compiled on first use (Policy.prepareUpdates): a critic that trains in a worker never compiles here.
    const step = TrainStep.define(criticStepSpec(cfg, m, hyper), runtime);
    return new Critic(step, step.initState(init), lora?.base.feeds ?? {}, (lora?.config.dropout ?? 0) > 0);
  }

  /** Its parameters under CRITIC_PREFIX, for the scoring graph (the current arrays, not copies). */
  scoringWeights(): Record<string, HostTensor> {
    return Object.fromEntries(Object.entries(this.state.params).map(([n, t]) => [CRITIC_PREFIX + n, t]));
  }

  /** Its step, state and fixed inputs (a fed frozen base; LoRA dropout's seed stream 1), as runMinibatch takes them. */
  get modelStep(): ModelStep {
    return {
      step: this.step,
      state: this.state,
      constants: { feeds: this.frozenFeeds, dropoutStream: this.dropout ? 1 : undefined },
    };
  }

  /** A minibatch's feeds for its step: `seqs` from actionBatch, returns and old values per action [N]. */
  static feeds(seqs: Record<string, HostTensor>, returns: HostTensor, oldValues: HostTensor): Record<string, HostTensor> {
    return { ...seqs, returns, old_values: oldValues };
  }

  /** Compiles its step in this thread now (it is compiled on first use otherwise). */
  ready(): Promise<void> {
    return this.step.ready();
  }

  restore(state: TrainState): void {
    restoreState(this.state, state);
  }

  release(): Promise<void> {
    return this.step.release();
  }
}

export function shapesOf(w: Record<string, HostTensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(w).map(([n, t]) => [n, t.shape]));
}

/**
 * Copies a checkpoint's parameters, moments and step count into a live TrainState (the object its
 * TrainStep updates), checking that they name the same tensors with the same shapes.
 */
export function restoreState(into: TrainState, from: TrainState): void {
  for (const part of ['params', 'm', 'v'] as const) {
    for (const [n, t] of Object.entries(into[part])) {
      const got = from[part][n];
      if (!got) throw new Error(`checkpoint: no ${part === 'params' ? 'value' : `AdamW ${part}`} for "${n}"`);
      if (got.shape.join() !== t.shape.join())
        throw new Error(`checkpoint: "${n}" has shape [${got.shape}], the model needs [${t.shape}]`);
    }
    const extra = Object.keys(from[part]).find((n) => !(n in into[part]));
    if (extra)
      throw new Error(`checkpoint: "${extra}" is not a parameter of this model (LoRA or critic settings differ from the run's?)`);
    into[part] = Object.fromEntries(Object.keys(into[part]).map((n) => [n, from[part][n]]));
  }
  into.step = from.step;
}
