// Runs one optimizer step compiled from a TrainStepSpec (graph/train/stepGraphs.ts): holds the
// sessions of the step's graphs, feeds parameters, Adam moments and a batch, and keeps the new state
// only when the graph's `finite` flag says the loss and gradients were finite. The sessions are
// compiled at once (compile), on first use (define), or in a worker from the serialized graph
// (stepModel, then fromModel there).
import { allocHost, dataOf, type HostTensor } from '../core/hostTensor';
import { serialize } from '../graph/serialize';
import { buildApplyGraph, buildGradsGraph, buildStepGraph, type TrainStepSpec } from '../graph/train/stepGraphs';
import { Session, type RuntimeOptions } from './session';

export interface TrainState {
  params: Record<string, HostTensor>;
  m: Record<string, HostTensor>;
  v: Record<string, HostTensor>;
  /** Optimizer steps taken (skipped steps do not count). */
  step: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** True when the loss or a gradient was not finite: parameters and moments were left unchanged. */
  skipped: boolean;
  metrics: Record<string, number>;
}

/**
 * What running a compiled step needs of its spec: the parameters' names and shapes and the float
 * type. Plain data, so that a worker thread can run a step compiled from the serialized graph.
 */
export type StepLayout = Pick<TrainStepSpec, 'params' | 'dtype'>;

type Sessions = { step: Session; grads?: Session; gradsFirst?: Session; apply?: Session };

export class TrainStep {
  private sessions?: Promise<Sessions>;

  private constructor(
    private readonly spec: StepLayout,
    /** Creates the step's sessions, once (ready). */
    private readonly createSessions: () => Promise<Sessions>,
    /** The full spec, to serialize the step again (stepModel); absent for a step built from its model. */
    private readonly source?: TrainStepSpec,
  ) {}

  static async compile(
    spec: TrainStepSpec,
    runtime: RuntimeOptions = {},
    opts: { accumulation?: boolean } = {},
  ): Promise<TrainStep> {
    const s = TrainStep.define(spec, runtime, opts);
    await s.ready();
    return s;
  }

  /**
   * A step whose sessions are compiled when it first runs, or by ready(): one that may never run
   * in this thread (its updates go to a worker) costs no compile and no session.
   */
  static define(spec: TrainStepSpec, runtime: RuntimeOptions = {}, opts: { accumulation?: boolean } = {}): TrainStep {
    return new TrainStep(
      spec,
      async () => {
        const step = await Session.create(serialize(buildStepGraph(spec)), runtime);
        if (!opts.accumulation) return { step };
        const [grads, gradsFirst, apply] = await Promise.all([
          Session.create(serialize(buildGradsGraph(spec, true)), runtime),
          Session.create(serialize(buildGradsGraph(spec, false)), runtime),
          Session.create(serialize(buildApplyGraph(spec)), runtime),
        ]);
        return { step, grads, gradsFirst, apply };
      },
      spec,
    );
  }

  /** A step (no accumulation) from the serialized graph and layout that stepModel() gives: how a worker thread compiles one. */
  static async fromModel(model: Uint8Array, layout: StepLayout, runtime: RuntimeOptions = {}): Promise<TrainStep> {
    const s = new TrainStep(layout, async () => ({ step: await Session.create(model, runtime) }));
    await s.ready();
    return s;
  }

  /** Compiles the sessions now (once); resolves when they are ready. */
  async ready(): Promise<void> {
    await this.compiled();
  }

  private compiled(): Promise<Sessions> {
    return (this.sessions ??= this.createSessions());
  }

  /**
   * Frees the native sessions (their weights and ORT's arena), if compiled; the next run compiles
   * them again. A process that makes many steps (a sweep's trials, a run's retrained verifier)
   * would otherwise hold each one's memory until it exits.
   */
  async release(): Promise<void> {
    const sessions = this.sessions;
    this.sessions = undefined;
    if (!sessions) return;
    const all = await sessions.catch(() => undefined); // a failed compile has nothing to free
    if (all) await Promise.all(Object.values(all).map((s) => s?.release()));
  }

  /** This step's graph serialized again (built from its spec: once per worker, not kept) and its layout. */
  stepModel(): { model: Uint8Array; layout: StepLayout } {
    if (!this.source) throw new Error('stepModel: this step was built from a serialized model');
    const { params, dtype } = this.source;
    return { model: serialize(buildStepGraph(this.source)), layout: { params, dtype } };
  }

  /** Fresh optimizer state for the given initial parameters (copied). */
  initState(params: Record<string, HostTensor>): TrainState {
    const dtype = this.spec.dtype ?? 'float32';
    const zeros = (name: string): HostTensor => ({
      dtype,
      shape: [...this.spec.params[name].shape],
      data: allocHost(dtype, params[name].data.length),
    });
    const names = Object.keys(this.spec.params);
    for (const n of names) if (!params[n]) throw new Error(`initState: no initial value for parameter "${n}"`);
    return {
      params: Object.fromEntries(names.map((n) => [n, { ...params[n], data: params[n].data.slice() } as HostTensor])),
      m: Object.fromEntries(names.map((n) => [n, zeros(n)])),
      v: Object.fromEntries(names.map((n) => [n, zeros(n)])),
      step: 0,
    };
  }

  /** One optimizer step on one batch; updates `state` in place unless the step is skipped. */
  async run(state: TrainState, batch: Record<string, HostTensor>, lr: number): Promise<StepResult> {
    const feeds = { ...this.stateFeeds(state), ...prefixed('batch.', batch), ...this.scalars(lr, state.step + 1) };
    const out = await (await this.compiled()).step.run(feeds);
    return this.finish(state, out);
  }

  /**
   * One optimizer step over several micro-batches whose gradients are summed and averaged, as if
   * they were one batch of the mean loss. Needs `compile(..., {accumulation: true})`.
   */
  async runAccumulated(state: TrainState, microBatches: Record<string, HostTensor>[], lr: number): Promise<StepResult> {
    const { grads, gradsFirst, apply } = await this.compiled();
    if (!grads || !gradsFirst || !apply) throw new Error('runAccumulated: compile the step with {accumulation: true}');
    const params = prefixed('param.', state.params);
    let acc: Record<string, HostTensor> = {};
    let lossSum = 0;
    const metricSums: Record<string, number> = {};
    for (const [i, mb] of microBatches.entries()) {
      const out =
        i === 0
          ? await gradsFirst.run({ ...params, ...prefixed('batch.', mb) })
          : await grads.run({ ...params, ...prefixed('batch.', mb), ...acc });
      acc = {};
      for (const name of Object.keys(this.spec.params)) acc[`acc.${name}`] = out[`new.acc.${name}`];
      lossSum += scalar(out.loss);
      for (const [k, v] of Object.entries(out))
        if (k.startsWith('metric.')) metricSums[k.slice(7)] = (metricSums[k.slice(7)] ?? 0) + scalar(v);
    }
    const n = microBatches.length;
    if (!Number.isFinite(lossSum)) return { loss: lossSum / n, gradNorm: NaN, skipped: true, metrics: {} };
    const feeds = { ...this.stateFeeds(state), ...acc, ...this.scalars(lr, state.step + 1), scale: this.scalarTensor(1 / n) };
    const out = await apply.run(feeds);
    const res = this.finish(state, { ...out, loss: this.scalarTensor(lossSum / n) });
    for (const k of Object.keys(metricSums)) res.metrics[k] = metricSums[k] / n;
    return res;
  }

  private finish(state: TrainState, out: Record<string, HostTensor>): StepResult {
    const finite = dataOf(out.finite, 'bool', 'finite')[0] === 1;
    if (finite) {
      for (const name of Object.keys(this.spec.params)) {
        state.params[name] = out[`new.param.${name}`];
        state.m[name] = out[`new.m.${name}`];
        state.v[name] = out[`new.v.${name}`];
      }
      state.step += 1;
    }
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(out)) if (k.startsWith('metric.')) metrics[k.slice(7)] = scalar(v);
    return { loss: scalar(out.loss), gradNorm: scalar(out.gradNorm), skipped: !finite, metrics };
  }

  private stateFeeds(s: TrainState): Record<string, HostTensor> {
    return { ...prefixed('param.', s.params), ...prefixed('m.', s.m), ...prefixed('v.', s.v) };
  }

  private scalarTensor(x: number): HostTensor {
    const dtype = this.spec.dtype ?? 'float32';
    const data = allocHost(dtype, 1);
    data[0] = x;
    return { dtype, shape: [], data };
  }

  private scalars(lr: number, step: number): Record<string, HostTensor> {
    return { lr: this.scalarTensor(lr), step: this.scalarTensor(step) };
  }
}

function prefixed(prefix: string, r: Record<string, HostTensor>): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [prefix + k, v]));
}

function scalar(t: HostTensor): number {
  return Number(t.data[0]);
}
