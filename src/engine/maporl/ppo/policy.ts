// One trainable policy of a MAPoRL team: its trainable weights with AdamW state, a generation
// runtime that samples from the current policy, rollout scoring (log-probs, values, reference
// log-probs) and, with a separate critic, the critic (critic.ts). Shared by several agents or
// turns when the config says so.
//
// Full fine-tuning trains every weight (a copy of the base; the base itself is the frozen reference).
// LoRA trains adapters on the frozen base (initializers, or fed per runtime.frozenWeights), and the
// reference is that same base with the adapters left out: one copy of the weights in the host.
// The value head (shared-trunk critic) is trained with the policy in either case.
import { dataOf, type HostTensor } from '../../core/hostTensor';
import { serialize } from '../../graph/serialize';
import { TrainStep, type StepResult, type TrainState } from '../../runtime/trainStep';
import { rowsPerRun, weightBinding, weightFeeds } from '../../generate/graphs';
import { packedActionBatch } from '../../generate/actions';
import { LMRuntime, type GenerateOptions, type Sampler } from '../../generate/runtime';
import { frozenLimitFor, frozenWeights, type FrozenWeights } from '../../nn/frozen';
import { initHead, VALUE_HEAD } from '../../nn/heads';
import { llamaParamShapes } from '../../nn/llama';
import { initLoraWeights, loraModules, mergeLora, type LoraConfig } from '../../nn/lora';
import type { CausalLM } from '../../nn/model';
import { padTokenId } from '../../prompts/tokens';
import { Session, type ExecutionProvider, type RuntimeOptions } from '../../runtime/session';
import { Critic, restoreState, shapesOf } from './critic';
import { runMinibatch, type MinibatchFeeds, type ModelStep } from './minibatch';
import { UpdateWorker, type GenerationInit } from './updateWorker';
import { WallShares } from './wallShares';
import { buildRolloutScoreGraph, ppoStepSpec, sharedTrunkCritic, type PpoHyper, type ScoredModel } from './ppoGraph';

/** One sequence of a rollout: a prompt and the response sampled for it. */
export interface SequenceTokens {
  prompt: number[];
  response: number[];
}

export interface RolloutScores {
  /** Per response token: log p under the current policy, the reference, and the value (0 without a critic). */
  logprobs: number[][];
  refLogprobs: number[][];
  values: number[][];
  /** Per response token, the policy's entropy; absent when the sampler's log-probs were reused. */
  entropy?: number[][];
}

/**
 * Which models a scoring run computes: all of them, or all but the policy's own forward pass — when
 * the sampler already returned the rollouts' log-probs (at the same temperature, from the same
 * weights) and no value head sits on the policy's trunk, that pass would only recompute them.
 */
type ScoringGraph = 'full' | 'without-policy';

/** A PPO minibatch, per response token arrays aligned with `response` (returns and old values only with a critic). */
export interface PpoSample extends SequenceTokens {
  oldLogprobs: number[];
  advantages: number[];
  returns?: number[];
  oldValues?: number[];
}

/** Where a base model came from: what a LoRA checkpoint's adapters apply to. */
export type BaseSource = { dir: string } | { preset: string; seed: number };

export interface PolicyOptions {
  /** Train LoRA adapters on the frozen base instead of every weight. */
  lora?: LoraConfig;
  /** Seeds the adapters' initialisation. */
  seed?: number;
  /** The base's origin, recorded with LoRA checkpoints. */
  source?: BaseSource;
}

/**
 * What a checkpoint keeps of a policy: its TrainStep state (every weight, or the adapters, plus a
 * shared value head), the LoRA settings and base those apply to, and a separate critic's state.
 */
export interface PolicyState extends TrainState {
  lora?: { config: LoraConfig; base?: BaseSource };
  critic?: TrainState;
}

interface LoraSetup {
  config: LoraConfig;
  base: Record<string, HostTensor>;
  frozen: FrozenWeights;
  adapted: string[];
}

export class Policy {
  /** Time inside ORT runs of scoring and updates (generation is in lm.timing). */
  readonly timing = { scoreMs: 0, updateMs: 0 };
  /** LoRA: the adapters changed since their last merge into the generation weights. */
  private mergeDue = false;
  private readonly scoring = new Map<ScoringGraph, Promise<Session>>();
  /** Runs the updates in a thread of its own, when started (startUpdateWorker). */
  private worker?: UpdateWorker;
  /** Where its tokenizer comes from (a copy of the generation runtime in the worker needs it). */
  private tokenizerOrigin?: GenerationInit['tokenizer'];
  /** Counts changes of the generation weights; `sentWeights` is the count the worker's copy has. */
  private weightsVersion = 0;
  private sentWeights = 0;
  /** Samples in the worker (sampler), its wall time shared with the team's other policies (WallShares). */
  private workerSampler?: Sampler;

  private constructor(
    readonly name: string,
    private readonly generation: LMRuntime,
    /** A scoring graph, serialized: compiled on first use, so a run that reuses sampled log-probs never builds the full one. */
    private readonly scoringGraph: (which: ScoringGraph) => Uint8Array,
    /** The one ppoUpdate uses (scoreRollouts with the sampler's log-probs): compiled before the first iteration. */
    private readonly trainingScoring: ScoringGraph,
    private readonly runtime: RuntimeOptions,
    /** Frozen weights the scoring graph takes as inputs (large bases): the host's arrays. */
    private readonly scoreFrozenFeeds: Record<string, HostTensor>,
    /** Where its sessions run (those of scoring, and so of its steps: the same runtime options). */
    private readonly provider: ExecutionProvider,
    private readonly step: TrainStep,
    readonly state: PolicyState,
    private readonly hyper: PpoHyper,
    /** The sampling temperature of its rollouts: log-probs are those of softmax(logits / temperature). */
    private readonly temperature: HostTensor,
    private readonly lora?: LoraSetup,
    private readonly critic?: Critic,
  ) {}

  static async create(
    name: string,
    base: CausalLM,
    hyper: PpoHyper,
    runtime: RuntimeOptions,
    temperature: number,
    options: PolicyOptions = {},
  ): Promise<Policy> {
    const cfg = base.config;
    if (!(temperature > 0)) throw new Error(`PPO needs sampled rollouts: temperature must be > 0, got ${temperature}`);
    const limit = frozenLimitFor(runtime.frozenWeights);
    const head = sharedTrunkCritic(hyper) ? initHead(cfg, VALUE_HEAD) : {};
    const inventory = Object.keys(llamaParamShapes(cfg));
    let lora: LoraSetup | undefined;
    let init: Record<string, HostTensor>;
    if (options.lora) {
      lora = {
        config: options.lora,
        base: base.weights,
        frozen: frozenWeights(base.weights, limit),
        adapted: loraModules(cfg, options.lora).map((m) => `${m.module}.weight`),
      };
      init = { ...initLoraWeights(cfg, options.lora, options.seed ?? 0), ...head };
    } else {
      init = { ...base.weights, ...head }; // initState copies them: the base stays the reference
    }
    // A large base fed as inputs trains without ORT's memory arena, as SFT does (sft/trainer.ts).
    const stepRuntime = { ...runtime, memoryArena: runtime.memoryArena ?? !(lora && !lora.frozen.initializers) };
    // The training steps are compiled where they will run: in this thread on first use or by
    // prepareUpdates(), or in an update worker (startUpdateWorker) and then never here.
    const step = TrainStep.define(
      ppoStepSpec(
        cfg,
        { params: shapesOf(init), lora: lora && { config: lora.config, base: lora.frozen, names: inventory } },
        hyper,
      ),
      stepRuntime,
    );
    const critic =
      hyper.critic && !sharedTrunkCritic(hyper)
        ? Critic.create(
            base,
            hyper,
            stepRuntime,
            lora && { config: lora.config, base: lora.frozen, seed: (options.seed ?? 0) + 1_000_003 },
          )
        : undefined;
    const state: PolicyState = step.initState(init);
    if (lora) state.lora = { config: lora.config, base: options.source };
    if (critic) state.critic = critic.state;

    // Generation samples from base + adapters. LoRA adapters are merged into the weights of the
    // adapted layers (W + scale·B·A, on the host, before the first generation after an update;
    // see `lm`) rather than hooked into the prefill and decode graphs: those stay the base model's
    // graphs, whose per-token cost matters most, and the merge costs r·out·in multiply-adds per
    // adapted matrix once per iteration. The host then holds one merged copy of the adapted
    // matrices only (for the default attention targets, a tenth of a 0.5B model).
    const genWeights = lora ? { ...base.weights } : Object.fromEntries(inventory.map((n) => [n, state.params[n]]));
    const genTrainable = lora ? lora.adapted : inventory;

    // Scoring: the policy's tensors under their own names; the reference under `ref.` (full
    // fine-tuning: the base) or the policy's own base without adapters (LoRA); the critic under `critic.`.
    const scoreWeights: Record<string, HostTensor> = {
      ...(lora ? base.weights : prefixed('ref.', base.weights)),
      ...state.params,
      ...critic?.scoringWeights(),
    };
    const trainable = new Set([...Object.keys(state.params), ...Object.keys(critic?.scoringWeights() ?? {})]);
    const binding = weightBinding(scoreWeights, trainable, limit);
    const models: ScoredModel[] = [
      { prefix: '', out: '', lora: lora?.config, logprobs: true, entropy: true, values: sharedTrunkCritic(hyper) },
      { prefix: lora ? '' : 'ref.', out: 'ref_', logprobs: true, values: false },
      ...(critic ? [{ prefix: 'critic.', out: 'critic_', lora: lora?.config, logprobs: false, values: true }] : []),
    ];
    const scoringModels = (which: ScoringGraph) => (which === 'full' ? models : models.slice(1));
    const scoringGraph = (which: ScoringGraph) => serialize(buildRolloutScoreGraph(cfg, binding, scoringModels(which)));
    // The graph training uses (ppoUpdate) is compiled before the first iteration, where it will run:
    // here (prepareUpdates) or in the update worker (startUpdateWorker).
    const trainingScoring: ScoringGraph = sharedTrunkCritic(hyper) ? 'full' : 'without-policy';
    // The base enters generation as it enters training: embedded, or fed when large (though the part left frozen in generation may not be).
    const lm = await LMRuntime.create(
      { ...base, weights: genWeights },
      { trainable: genTrainable, runtime, frozenLimitBytes: lora && !lora.frozen.initializers ? 0 : undefined },
    );
    const frozenFeeds = Object.fromEntries(Object.entries(weightFeeds(binding)).filter(([n]) => !trainable.has(n)));
    const t: HostTensor = { dtype: 'float32', shape: [], data: Float32Array.of(temperature) };
    const provider = lm.provider as ExecutionProvider; // the same runtime options as scoring and the steps
    const policy = new Policy(
      name,
      lm,
      scoringGraph,
      trainingScoring,
      runtime,
      frozenFeeds,
      provider,
      step,
      state,
      hyper,
      t,
      lora,
      critic,
    );
    const origin = options.source;
    if (origin) policy.tokenizerOrigin = 'dir' in origin ? { dir: origin.dir } : { builtin: true };
    return policy;
  }

  /** The generation runtime, sampling from the current policy (LoRA: adapters merged in here, when due). */
  get lm(): LMRuntime {
    if (this.lora && this.mergeDue) {
      const t0 = performance.now();
      const merged = mergeLora(this.lora.base, this.lora.config, this.state.params);
      this.generation.setWeights(Object.fromEntries(this.lora.adapted.map((n) => [n, merged[n]])));
      this.mergeDue = false;
      this.timing.updateMs += performance.now() - t0;
    }
    return this.generation;
  }

  /**
   * What a discussion samples from: `lm`, or, when the update worker holds a copy of the generation
   * runtime, that copy (the same sessions, weights and seeded sampling; concurrent with the team's
   * other workers). Always the same object for one policy.
   */
  get sampler(): Sampler {
    return this.workerSampler ?? this.lm;
  }

  /** Whether `sampler` samples in the update worker. */
  get samplesInWorker(): boolean {
    return this.workerSampler !== undefined;
  }

  /** The trainable weights: every weight, or the LoRA adapters; plus a shared value head. */
  get weights(): Record<string, HostTensor> {
    return this.state.params;
  }

  /** Loads weights and optimizer state (resume); throws when they do not fit this policy's settings. */
  restore(state: PolicyState): void {
    if (!state.lora !== !this.lora)
      throw new Error(
        `checkpoint: the run ${this.lora ? 'trains LoRA adapters' : 'fine-tunes every weight'}, the checkpoint does not`,
      );
    if (!state.critic !== !this.critic)
      throw new Error(
        `checkpoint: the run ${this.critic ? 'has' : 'has no'} separate critic, the checkpoint does${this.critic ? ' not' : ''}`,
      );
    restoreState(this.state, state);
    if (this.critic && state.critic) this.critic.restore(state.critic);
    this.generationChanged();
  }

  /**
   * Log-probs, values and entropies of each response token under the policy, log-probs under the
   * reference. `sampled`: the rollouts' log-probs as the sampler returned them (LMRuntime.generate,
   * from this policy's current weights at its temperature), per sequence and response token; the
   * policy's forward pass is then skipped unless its trunk carries the value head.
   */
  async scoreRollouts(seqs: SequenceTokens[], sampled?: number[][]): Promise<RolloutScores> {
    if (sampled && (sampled.length !== seqs.length || sampled.some((lp, i) => lp.length !== seqs[i].response.length)))
      throw new Error('scoreRollouts: sampled log-probs do not match the responses');
    const which = this.scoringFor(sampled !== undefined);
    const out: RolloutScores = { logprobs: [], refLogprobs: [], values: [], entropy: which === 'full' ? [] : undefined };
    const longest = Math.max(0, ...seqs.map((q) => q.prompt.length + q.response.length));
    const chunk = rowsPerRun(longest, this.generation.model.config.vocabSize, 64);
    const parts: SequenceTokens[][] = [];
    for (let i = 0; i < seqs.length; i += chunk) parts.push(seqs.slice(i, i + chunk));
    const pad = padTokenId(this.generation.model.tokenizer);
    const runs = parts.map((part) => packedActionBatch(part, pad).tensors);
    const shared = {
      temperature: this.temperature,
      ...this.scoreFrozenFeeds,
      ...this.state.params,
      ...this.critic?.scoringWeights(),
    };
    const outputs = this.scoresInWorker(sampled !== undefined)
      ? await this.worker!.score(shared, runs)
      : await this.scoreHere(which, shared, runs);
    const valuesOut = this.critic ? 'critic_values' : sharedTrunkCritic(this.hyper) ? 'values' : undefined;
    let i = 0;
    parts.forEach((part, c) => {
      const r = outputs[c];
      // Outputs are per action [N], the sequences' actions one after another.
      let at = 0;
      for (const q of part) {
        const pick = (t: HostTensor) => Array.from(dataOf(t, 'float32').subarray(at, at + q.response.length));
        out.logprobs.push(which === 'full' ? pick(r.logprobs) : sampled![i]);
        out.values.push(valuesOut ? pick(r[valuesOut]) : new Array<number>(q.response.length).fill(0));
        out.entropy?.push(pick(r.entropy));
        out.refLogprobs.push(pick(r.ref_logprobs));
        at += q.response.length;
        i++;
      }
    });
    return out;
  }

  /** Scoring runs in this thread, timed. */
  private async scoreHere(
    which: ScoringGraph,
    shared: Record<string, HostTensor>,
    runs: Record<string, HostTensor>[],
  ): Promise<Record<string, HostTensor>[]> {
    const session = await this.scoringSession(which);
    const outputs = [];
    for (const run of runs) {
      const t0 = performance.now();
      outputs.push(await session.run({ ...run, ...shared }));
      this.timing.scoreMs += performance.now() - t0;
    }
    return outputs;
  }

  private scoringSession(which: ScoringGraph): Promise<Session> {
    let s = this.scoring.get(which);
    if (!s) this.scoring.set(which, (s = Session.create(this.scoringGraph(which), this.runtime)));
    return s;
  }

  private scoringFor(sampled: boolean): ScoringGraph {
    return sampled && !sharedTrunkCritic(this.hyper) ? 'without-policy' : 'full';
  }

  /**
   * Whether scoreRollouts (with or without the sampler's log-probs) runs in the update worker: only
   * the graph ppoUpdate uses is there. Its time is then not added to `timing`: ppoUpdate shares
   * the wall time of policies scoring side by side.
   */
  scoresInWorker(sampled: boolean): boolean {
    return (this.worker?.scores ?? false) && this.scoringFor(sampled) === this.trainingScoring;
  }

  /**
   * One PPO optimizer step on a minibatch, and one step of a separate critic on its value loss.
   * The result is the policy's, with the critic's value loss; skipped if either step was.
   */
  async update(samples: PpoSample[], lr: number): Promise<StepResult> {
    const feeds = this.minibatchFeeds(samples);
    if (!feeds) return skipped();
    const t0 = performance.now();
    const { result, policyStepped } = await runMinibatch(this.modelStep, this.critic?.modelStep, feeds, lr);
    if (policyStepped) this.generationChanged();
    this.timing.updateMs += performance.now() - t0;
    return result;
  }

  /** Whether updates run in a worker thread (startUpdateWorker). */
  get updatesInWorker(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Whether this policy's updates can move to a worker thread: its step runs on the CPU (one
   * device runs one thing at a time anyway) and no frozen base is fed to it (a large base: each
   * worker would hold a copy of it).
   */
  get canUpdateInWorker(): boolean {
    return this.provider === 'cpu' && !(this.lora && !this.lora.frozen.initializers);
  }

  /** Compiles the training steps in this thread (its policy's and a separate critic's), before the first update. */
  async prepareUpdates(): Promise<void> {
    await Promise.all([this.step.ready(), this.critic?.ready(), this.scoringSession(this.trainingScoring)]);
  }

  /**
   * Moves this policy's updates, and the scoring of its rollouts, into a worker thread with `threads`
   * intra-op threads; the worker compiles its steps and scoring graph once and keeps them for the
   * run. Resolves with the compile time (ms).
   */
  startUpdateWorker(threads: number, runtime: RuntimeOptions, clock = new WallShares()): Promise<number> {
    if (this.worker) throw new Error(`${this.name}: its update worker has started already`);
    if (!this.canUpdateInWorker) throw new Error(`${this.name}: its updates cannot run in a worker`);
    const rt = {
      executionProvider: 'cpu' as const,
      threads,
      graphOptimization: runtime.graphOptimization,
      memoryArena: runtime.memoryArena,
    };
    const model = (m: ModelStep) => ({ ...m.step.stepModel(), constants: m.constants });
    // Scoring moves too, unless it is fed a frozen base (a copy of it at every call).
    const scoresThere = Object.keys(this.scoreFrozenFeeds).length === 0;
    this.worker = UpdateWorker.start({
      runtime: rt,
      policy: model(this.modelStep),
      critic: this.critic && model(this.critic.modelStep),
      scoring: scoresThere ? this.scoringGraph(this.trainingScoring) : undefined,
      generation: this.generationInit(),
    });
    if (this.worker.generates) this.workerSampler = this.samplerIn(this.worker, clock);
    const here = scoresThere ? undefined : this.scoringSession(this.trainingScoring);
    return Promise.all([this.worker.ready, here]).then(([ms]) => ms);
  }

  /**
   * What the worker needs to make a copy of the generation runtime, or undefined when generation
   * stays here: its tokenizer's origin is unknown (a model made in memory), or the model is large
   * (past the frozen-weights limit, runtime.frozenWeights: a copy of it in each worker, and its
   * weights copied there after each update).
   */
  private generationInit(): GenerationInit | undefined {
    const lm = this.lm; // LoRA: adapters merged in, when due
    const bytes = Object.values(lm.model.weights).reduce((n, t) => n + t.data.byteLength, 0);
    if (!this.tokenizerOrigin || lm.feedsFrozenWeights || bytes > frozenLimitFor(this.runtime.frozenWeights)) return undefined;
    return {
      config: lm.model.config,
      weights: lm.model.weights,
      trainable: Object.keys(lm.trainableWeights()),
      frozenLimitBytes: frozenLimitFor(this.runtime.frozenWeights),
      tokenizer: this.tokenizerOrigin,
    };
  }

  /**
   * The worker's copy of the generation runtime as a Sampler: before a call it takes the trainable
   * weights when they changed (copies; LoRA: merged here first). Its wall time goes to `lm.timing`,
   * shared with the calls that run beside it.
   */
  private samplerIn(worker: UpdateWorker, clock: WallShares): Sampler {
    this.sentWeights = this.weightsVersion;
    const generate = (prompts: number[][], o: GenerateOptions) => {
      const lm = this.lm;
      const weights = this.sentWeights === this.weightsVersion ? undefined : lm.trainableWeights();
      this.sentWeights = this.weightsVersion;
      return clock.time(lm.timing, () => worker.generate(prompts, o, weights));
    };
    return { model: this.generation.model, generate, concurrent: true };
  }

  /**
   * The minibatches one after another, as many update() calls, run by the update worker; the
   * state and generation weights end as update() leaves them. Its time is not added to
   * `timing` here: ppoUpdate shares the wall time of updates that run side by side.
   */
  async updateInWorker(minibatches: PpoSample[][], lr: number): Promise<StepResult[]> {
    if (!this.worker) throw new Error(`${this.name}: no update worker`);
    const feeds = minibatches.map((mb) => this.minibatchFeeds(mb));
    const run = feeds.filter((f) => f !== undefined);
    const states = { policy: trainState(this.state), critic: this.critic && trainState(this.critic.state) };
    const back = await this.worker.run(states, run, lr);
    Object.assign(this.state, back.policy);
    if (this.critic && back.critic) Object.assign(this.critic.state, back.critic);
    // Always: the buffers the generation weights held went to the worker, even if every step was skipped.
    this.generationChanged();
    let k = 0;
    return feeds.map((f) => (f ? back.results[k++].result : skipped()));
  }

  /**
   * The feeds of one minibatch (fresh arrays), or undefined when it must be skipped: a non-finite
   * input (a NaN reward, an infinite old log-prob) can give a finite loss that is still wrong (an
   * infinite old log-prob makes its ratio 0), so such a minibatch never runs.
   */
  private minibatchFeeds(samples: PpoSample[]): MinibatchFeeds | undefined {
    const finite = (xs?: number[]) => !xs || xs.every(Number.isFinite);
    if (!samples.every((s) => finite(s.oldLogprobs) && finite(s.advantages) && finite(s.returns) && finite(s.oldValues)))
      return undefined;
    const seqs = packedActionBatch(samples, padTokenId(this.generation.model.tokenizer)).tensors;
    const perAction = (get: (s: PpoSample) => number[]): HostTensor => {
      const data = Float32Array.from(samples.flatMap(get));
      return { dtype: 'float32', shape: [data.length], data };
    };
    const policy: Record<string, HostTensor> = {
      ...seqs,
      old_logprobs: perAction((s) => s.oldLogprobs),
      advantages: perAction((s) => s.advantages),
    };
    const returns = this.hyper.critic ? perAction((s) => s.returns!) : undefined;
    const oldValues = this.hyper.critic ? perAction((s) => s.oldValues!) : undefined;
    if (sharedTrunkCritic(this.hyper)) Object.assign(policy, { returns, old_values: oldValues });
    return { policy, critic: this.critic && Critic.feeds(seqs, returns!, oldValues!) };
  }

  /** The policy's step as runMinibatch takes it: fixed inputs are the temperature and a fed frozen base; LoRA dropout draws from seed stream 0. */
  private get modelStep(): ModelStep {
    const dropout = this.lora !== undefined && this.lora.config.dropout > 0;
    return {
      step: this.step,
      state: this.state,
      constants: { feeds: { ...this.lora?.frozen.feeds, temperature: this.temperature }, dropoutStream: dropout ? 0 : undefined },
    };
  }

  /** After the weights changed: full fine-tuning feeds the new arrays; LoRA merges before the next generation. */
  private generationChanged(): void {
    this.weightsVersion++;
    if (this.lora) this.mergeDue = true;
    else
      this.generation.setWeights(
        Object.fromEntries(Object.keys(this.generation.model.weights).map((n) => [n, this.state.params[n]])),
      );
  }

  async release(): Promise<void> {
    const scoring = await Promise.all(this.scoring.values());
    await Promise.all([
      this.generation.release(),
      ...scoring.map((s) => s.release()),
      this.step.release(),
      this.critic?.release(),
      this.worker?.terminate(),
    ]);
  }
}

const skipped = (): StepResult => ({ loss: NaN, gradNorm: NaN, skipped: true, metrics: {} });

/** The TrainState part of a state (a PolicyState also carries its LoRA settings and critic). */
function trainState({ params, m, v, step }: TrainState): TrainState {
  return { params, m, v, step };
}

function prefixed(prefix: string, w: Record<string, HostTensor>): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(w).map(([n, t]) => [prefix + n, t]));
}
