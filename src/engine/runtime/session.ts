// ONNX Runtime sessions: creation with thread settings and an execution provider (falling back to
// CPU with a clear message when the provider is missing), and typed run().
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { HostTensor } from '../core/hostTensor';
import { modelFor } from './providerModels';
import { fromOrt, toOrt } from './tensors';

import type { ExecutionProvider, FrozenWeightsChoice, ProviderChoice } from '../../protocol/choices';

export type { ExecutionProvider, ProviderChoice };

export interface RuntimeOptions {
  /** 'auto' tries CUDA, then CPU. An explicit GPU provider falls back to CPU with a warning. */
  executionProvider?: ProviderChoice;
  /** Intra-op threads; 0 or undefined lets ORT use one per core. */
  threads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * ONNX Runtime's CPU memory arena (default true). Off, freed activations go back to the system
   * instead of a pool that grows in power-of-two steps: a lower peak for large training steps.
   */
  memoryArena?: boolean;
  /** Called with a one-line message when a provider is unavailable and CPU is used instead. */
  onFallback?: (message: string) => void;
  /** How frozen weights enter inference graphs (nn/frozen.ts, frozenLimitFor); default 'auto'. */
  frozenWeights?: FrozenWeightsChoice;
  /**
   * Called when a session starts, with the provider it runs on and why that is not the one asked for
   * (null when it is). resolveRuntime (resolve.ts) turns these into the job's `runtime` events.
   */
  onSession?: (used: ExecutionProvider, fallback: string | null) => void;
}

/**
 * Providers that failed to start in this process, with ORT's reason. A provider fails for the whole
 * process (no adapter, no library), so later sessions go to the CPU without another attempt (a failed
 * WebGPU start costs ~0.2 s) and without repeating the warning.
 */
const failedProviders = new Map<ExecutionProvider, string>();

export class Session {
  private constructor(
    private readonly inner: ort.InferenceSession,
    /** The provider the session actually runs on. */
    readonly provider: ExecutionProvider,
  ) {}

  static async create(model: Uint8Array, options: RuntimeOptions = {}): Promise<Session> {
    // ORT's own logger prints multi-line errors (e.g. a missing CUDA library) before throwing; the
    // thrown error carries the same text and becomes our one-line fallback message instead.
    ort.env.logLevel = 'fatal';
    const wanted = options.executionProvider ?? 'cpu';
    // 'auto' tries CUDA only where its provider library was installed (an opt-in download), so
    // a CPU-only install never pays for, or logs, a failed attempt.
    const order: ExecutionProvider[] =
      wanted === 'auto' ? (cudaInstalled() ? ['cuda', 'cpu'] : ['cpu']) : wanted === 'cpu' ? ['cpu'] : [wanted, 'cpu'];
    let lastError: unknown;
    let fallback: string | null = null;
    let failedHere: [ExecutionProvider, string] | undefined;
    for (const ep of order) {
      const failed = failedProviders.get(ep);
      if (failed !== undefined) {
        if (wanted === 'auto') continue;
        fallback = fallbackMessage(ep, failed);
        options.onFallback?.(fallback); // the process-wide warning was given the first time
        continue;
      }
      try {
        const inner = await ort.InferenceSession.create(modelFor(ep, model), sessionOptions(ep, options));
        // The provider, not the model, failed: the CPU loaded the same model.
        if (failedHere) failedProviders.set(...failedHere);
        options.onSession?.(ep, fallback);
        return new Session(inner, ep);
      } catch (err) {
        lastError = err;
        if (ep === 'cpu') break;
        failedHere = [ep, firstLine(err)];
        if (wanted !== 'auto') {
          fallback = fallbackMessage(ep, firstLine(err));
          // With onSession the job reports the fallback itself (its `runtime` event); else a warning says it.
          (options.onFallback ?? (options.onSession ? () => undefined : (m: string) => process.emitWarning(m)))(fallback);
        }
      }
    }
    throw new Error(`ONNX Runtime could not load the model: ${firstLine(lastError)}`);
  }

  get inputNames(): readonly string[] {
    return this.inner.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.inner.outputNames;
  }

  /**
   * Runs the model. Blocks the JS thread for the duration of the native run (onnxruntime-node calls
   * its session synchronously): runs started from one JS thread never overlap, whatever the session
   * (test/engine/runtime/runBlocks.test.ts; docs/performance.md, "Concurrent per-agent updates").
   */
  async run(feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, HostTensor>> {
    const missing = this.inner.inputNames.filter((n) => !(n in feeds));
    if (missing.length) throw new Error(`missing model inputs: ${missing.join(', ')}`);
    checkFeeds(this.inner.inputMetadata, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inner.inputNames) ortFeeds[name] = toOrt(name, feeds[name]);
    const result = outputNames ? await this.inner.run(ortFeeds, outputNames as string[]) : await this.inner.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
    return out;
  }

  async release(): Promise<void> {
    await this.inner.release();
  }
}

function sessionOptions(ep: ExecutionProvider, o: RuntimeOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    intraOpNumThreads: o.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: o.graphOptimization ?? 'all',
    enableCpuMemArena: o.memoryArena ?? true,
    logSeverityLevel: 3,
  };
}

/**
 * One-line errors naming the input when a feed does not fit the model's declared dtype or shape
 * (ORT's own message for a wrong dtype does not say which input), and when one named dim (e.g. "B")
 * gets different sizes in different inputs.
 */
function checkFeeds(metadata: readonly ort.InferenceSession.ValueMetadata[], feeds: Record<string, HostTensor>): void {
  const named = new Map<string, { size: number; input: string }>();
  for (const meta of metadata) {
    const t = feeds[meta.name];
    if (!meta.isTensor || !t) continue;
    const want = `${meta.type}[${meta.shape.join(', ')}]`;
    const got = `${t.dtype}[${t.shape.join(', ')}]`;
    if (t.dtype !== meta.type) throw new Error(`input "${meta.name}": expected ${want}, got ${got} (wrong dtype)`);
    // An empty metadata shape means "scalar or unknown": nothing more to check.
    if (meta.shape.length === 0) continue;
    if (t.shape.length !== meta.shape.length) throw new Error(`input "${meta.name}": expected ${want}, got ${got} (wrong rank)`);
    meta.shape.forEach((d, i) => {
      if (typeof d === 'number' && d >= 0 && d !== t.shape[i])
        throw new Error(`input "${meta.name}": expected ${want}, got ${got} (axis ${i})`);
      if (typeof d !== 'string' || d === '') return;
      const seen = named.get(d);
      if (!seen) named.set(d, { size: t.shape[i], input: meta.name });
      else if (seen.size !== t.shape[i]) {
        throw new Error(`input "${meta.name}": dim ${d} is ${t.shape[i]} here but ${seen.size} in input "${seen.input}"`);
      }
    });
  }
}

/** Whether onnxruntime-node's CUDA provider library is present (installed with --onnxruntime-node-install=cuda12). */
export function cudaInstalled(): boolean {
  try {
    const dir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return fs.existsSync(path.join(dir, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

function fallbackMessage(ep: ExecutionProvider, reason: string): string {
  return `execution provider "${ep}" is not available (${reason}); using CPU`;
}

/**
 * The first line of an error, without the source location and failed condition that ORT puts before
 * its message ("/onnxruntime_src/…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: …").
 */
export function firstLine(err: unknown): string {
  const line = String(err instanceof Error ? err.message : err).split('\n')[0];
  return /^\/\S+:\d+ .* was false\. (.+)$/.exec(line)?.[1] ?? line;
}
