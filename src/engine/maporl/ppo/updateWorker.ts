// A policy's PPO updates in a worker thread of their own (issue 27): onnxruntime-node's run() holds
// the JS thread to its end (runtime/session.ts), so the independent updates of per-agent policies
// overlap only when each runs in a thread of its own. The worker compiles the policy's training
// step (and a separate critic's) once, from the serialized graphs, and keeps it for the run; each
// ppoUpdate sends it the state (weights, AdamW moments: buffers transferred, not copied) and the
// feeds of every minibatch, in the order the main thread drew, and gets the new state and one
// result per minibatch back. The steps run in runMinibatch (minibatch.ts), as in the main thread.
// It also scores the policy's rollouts (old and reference log-probs, values) when it holds the
// scoring graph ppoUpdate uses, and samples the policy's responses from a copy of its generation
// runtime (Policy.sampler): the policies' scoring and each turn's generation then overlap as their
// updates do. Sampling there draws from the same seeded stream as in the main thread.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HostTensor } from '../../core/hostTensor';
import type { GenerateOptions, Generation } from '../../generate/runtime';
import type { ModelConfig } from '../../io/hfConfig';
import type { RuntimeOptions } from '../../runtime/session';
import type { StepLayout, TrainState } from '../../runtime/trainStep';
import type { MinibatchFeeds, MinibatchResult, StepConstants } from './minibatch';

/** A model the worker trains: its step graph serialized, its layout and its fixed inputs. */
export interface WorkerModel {
  model: Uint8Array;
  layout: StepLayout;
  constants: StepConstants;
}

/** The worker's `workerData`. Runtime options without callbacks: they do not cross threads. */
export interface UpdateWorkerInit {
  runtime: Pick<RuntimeOptions, 'executionProvider' | 'threads' | 'graphOptimization' | 'memoryArena'>;
  policy: WorkerModel;
  critic?: WorkerModel;
  /** The policy's rollout-scoring graph (Policy.scoreRollouts), serialized: scoring runs here too. */
  scoring?: Uint8Array;
  /** The policy's generation model, to sample from here too (an LMRuntime made as the main thread's). */
  generation?: GenerationInit;
}

export interface GenerationInit {
  config: ModelConfig;
  /** Every weight at the start (copies); the trainable ones are replaced when they change (GenerateRequest). */
  weights: Record<string, HostTensor>;
  trainable: string[];
  frozenLimitBytes: number;
  /** Where its tokenizer comes from: the built-in one (presets) or a model directory's files. */
  tokenizer: { builtin: true } | { dir: string };
}

/** The policy's state and a separate critic's. */
export interface WorkerStates {
  policy: TrainState;
  critic?: TrainState;
}

export interface UpdateRequest {
  kind: 'update';
  id: number;
  lr: number;
  states: WorkerStates;
  minibatches: MinibatchFeeds[];
}

/** Scoring runs: the inputs every run shares (weights, temperature) and each run's own (a packed chunk). */
export interface ScoreRequest {
  kind: 'score';
  id: number;
  shared: Record<string, HostTensor>;
  runs: Record<string, HostTensor>[];
}

/** Sampling with the generation runtime; `weights`: its trainable weights, when they changed since the last request. */
export interface GenerateRequest {
  kind: 'generate';
  id: number;
  prompts: number[][];
  options: GenerateOptions;
  weights?: Record<string, HostTensor>;
}

export type WorkerRequest = UpdateRequest | ScoreRequest | GenerateRequest;

export type WorkerReply =
  | { kind: 'ready'; compileMs: number }
  | { kind: 'done'; id: number; states: WorkerStates; results: MinibatchResult[] }
  | { kind: 'scored'; id: number; outputs: Record<string, HostTensor>[] }
  | { kind: 'generated'; id: number; generations: Generation[] }
  | { kind: 'failed'; id?: number; error: string };

type Answer = Exclude<WorkerReply, { kind: 'ready' } | { kind: 'failed' }>;

/** The worker entry: its own bundle beside a bundled caller (scripts/build.mjs), the TypeScript file from source. */
const BUNDLED_ENTRY = 'ppoUpdateWorker.js';

export class UpdateWorker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Answer) => void; reject: (e: Error) => void }>();
  private failure?: Error;

  private constructor(
    private readonly worker: Worker,
    /** Milliseconds the worker took to compile its steps; rejects when it could not. */
    readonly ready: Promise<number>,
    /** Whether it holds the policy's scoring graph (score()). */
    readonly scores: boolean,
    /** Whether it holds a copy of the policy's generation runtime (generate()). */
    readonly generates: boolean,
  ) {}

  static start(init: UpdateWorkerInit): UpdateWorker {
    const transferList = [init.policy.model.buffer, ...(init.critic ? [init.critic.model.buffer] : [])] as ArrayBuffer[];
    if (init.generation) init = { ...init, generation: { ...init.generation, weights: own(init.generation.weights) } };
    // From source (node --import tsx: the tests, bench scripts) this file is TypeScript, and the
    // parent's --import hook does not reach a worker's entry: the worker registers tsx's require
    // hook itself. A bundle (dist/) runs the entry's own bundle.
    const worker = __filename.endsWith('.ts')
      ? new Worker(
          `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'updateWorkerMain.ts'))});`,
          { eval: true, workerData: init, transferList },
        )
      : new Worker(path.join(__dirname, BUNDLED_ENTRY), { workerData: init, transferList });
    let resolveReady!: (ms: number) => void, rejectReady!: (e: Error) => void;
    const ready = new Promise<number>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
    ready.catch(() => undefined); // observed by run() or the caller
    // It keeps the process alive only while something waits for it (compiling, a request): a run
    // that fails before releasing its team still exits.
    const w = new UpdateWorker(worker, ready, init.scoring !== undefined, init.generation !== undefined);
    // It keeps the process alive only while something waits for it (compiling, a request): a run
    // that fails before releasing its team still exits.
    worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'ready') resolveReady(m.compileMs);
      else if (m.kind === 'failed' && m.id === undefined) rejectReady(new Error(`PPO update worker: ${m.error}`));
      else {
        const p = w.pending.get(m.id!);
        w.pending.delete(m.id!);
        if (m.kind === 'failed') p?.reject(new Error(`PPO update worker: ${m.error}`));
        else p?.resolve(m);
      }
      if (w.pending.size === 0) worker.unref();
    });
    const fail = (err: Error) => {
      w.failure ??= err;
      rejectReady(err);
      for (const p of w.pending.values()) p.reject(err);
      w.pending.clear();
    };
    worker.on('error', (err) => fail(new Error(`PPO update worker: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`PPO update worker exited (code ${code})`)));
    return w;
  }

  /**
   * Runs the minibatches one after another on `states`, which it takes over: their buffers are
   * transferred to the worker (detached here) and the returned states hold the new ones.
   */
  async run(
    states: WorkerStates,
    minibatches: MinibatchFeeds[],
    lr: number,
  ): Promise<WorkerStates & { results: MinibatchResult[] }> {
    const owned = ownedStates(states);
    const transfer = [...stateTensors(owned), ...minibatches.flatMap(feedTensors)];
    const reply = await this.request({ kind: 'update', lr, states: owned, minibatches }, transfer);
    if (reply.kind !== 'done') throw new Error(`PPO update worker: answered ${reply.kind} to an update`);
    return { ...reply.states, results: reply.results };
  }

  /**
   * The scoring graph's outputs for each run's inputs with the shared ones. The shared inputs are
   * copied (the policy's weights stay usable here meanwhile); each run's are transferred.
   */
  async score(shared: Record<string, HostTensor>, runs: Record<string, HostTensor>[]): Promise<Record<string, HostTensor>[]> {
    if (!this.scores) throw new Error('PPO update worker: it has no scoring graph');
    const reply = await this.request(
      { kind: 'score', shared: own(shared), runs },
      runs.flatMap((r) => Object.values(r)),
    );
    if (reply.kind !== 'scored') throw new Error(`PPO update worker: answered ${reply.kind} to scoring`);
    return reply.outputs;
  }

  /**
   * LMRuntime.generate in the worker, after it takes `weights` (copied: the main thread's runtime
   * keeps them) as its trainable weights when given.
   */
  async generate(prompts: number[][], options: GenerateOptions, weights?: Record<string, HostTensor>): Promise<Generation[]> {
    if (!this.generates) throw new Error('PPO update worker: it has no generation runtime');
    const reply = await this.request({ kind: 'generate', prompts, options, weights: weights && own(weights) }, []);
    if (reply.kind !== 'generated') throw new Error(`PPO update worker: answered ${reply.kind} to sampling`);
    return reply.generations;
  }

  private async request(body: DistributiveOmit<WorkerRequest, 'id'>, transfer: HostTensor[]): Promise<Answer> {
    await this.ready;
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const reply = new Promise<Answer>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.ref();
    this.worker.postMessage({ ...body, id }, transferables(transfer));
    return reply;
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('PPO update worker: terminated');
    await this.worker.terminate();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Every tensor of a state (params, moments; the critic's too). */
export function stateTensors(s: WorkerStates): HostTensor[] {
  return [s.policy, ...(s.critic ? [s.critic] : [])].flatMap((t) => [t.params, t.m, t.v].flatMap((r) => Object.values(r)));
}

function feedTensors(f: MinibatchFeeds): HostTensor[] {
  return [...Object.values(f.policy), ...Object.values(f.critic ?? {})];
}

/**
 * The states with every tensor owning its whole buffer: a view into a larger buffer (a checkpoint
 * read as one file) is copied, so that transferring it detaches nothing else.
 */
export function ownedStates(s: WorkerStates): WorkerStates {
  const state = (t: TrainState): TrainState => ({ params: own(t.params), m: own(t.m), v: own(t.v), step: t.step });
  return { policy: state(s.policy), ...(s.critic ? { critic: state(s.critic) } : {}) };
}

/**
 * The tensors, each owning its whole buffer: a view into a larger buffer is copied, so that a
 * message neither detaches nor clones the rest of that buffer (structured clone copies it whole).
 */
export function own(r: Record<string, HostTensor>): Record<string, HostTensor> {
  return Object.fromEntries(
    Object.entries(r).map(([n, t]) => [n, wholeBuffer(t) ? t : ({ ...t, data: t.data.slice() } as HostTensor)]),
  );
}

/** The buffers of tensors that own them whole (each once): what a message may transfer. */
export function transferables(tensors: HostTensor[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) if (wholeBuffer(t)) out.add(t.data.buffer as ArrayBuffer);
  return [...out];
}

function wholeBuffer(t: HostTensor): boolean {
  const d = t.data;
  return d.buffer instanceof ArrayBuffer && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;
}
