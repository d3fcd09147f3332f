// Drives bench/torch_block.py as a long-lived child process: one JSON command per line in, one
// JSON reply per line out. A missing python3 or torch is reported, not thrown: the bench still
// prints our own numbers. The child runs without OpenBLAS's pinning variables (referenceEnv) and
// must prove its products right against float64 before its timings count.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PYTHON } from '../test/helpers/torch';
import { pinnedInParent, referenceEnv } from './referenceEnv';

/** bench/torch_block.py next to this file (tsx) or next to dist/ (the bundle). */
function scriptPath(): string {
  for (const p of [join(__dirname, 'torch_block.py'), join(__dirname, '..', 'bench', 'torch_block.py')])
    if (existsSync(p)) return p;
  throw new Error('bench: cannot find bench/torch_block.py');
}

/** What test/reference/blas_info.py reports: the OpenBLAS this worker loaded and the core it chose. */
export interface BlasInfo {
  library: string | null;
  core: string | null;
  config: string | null;
  threads: number | null;
  torchCpuCapability: string | null;
  /** The pinning variables as the worker saw them: null when unset, as they should be. */
  env: Record<string, string | null>;
}

/** A reference's first fp32 loss and gradients against float64; relErr: max |a - b| / max |b| (the worst weight for "grad"). */
export interface Float64Check {
  loss32: number;
  loss64: number;
  relErr: { loss: number; grad: number };
}

/** fp32 rounding over a few layers gives 1e-7..1e-4; a wrong kernel gives errors near 1. */
export const REFERENCE_TOLERANCE = 1e-3;

/** Throws unless every relative error is under REFERENCE_TOLERANCE: a fast but wrong reference is no reference. */
export function assertReferenceCorrect(what: string, relErr: Record<string, number>): void {
  const bad = Object.entries(relErr).filter(([, v]) => !(v < REFERENCE_TOLERANCE));
  if (bad.length)
    throw new Error(
      `${what}: the reference's fp32 results differ from float64 (${bad.map(([k, v]) => `${k} ${v}`).join(', ')}); its timings would mean nothing`,
    );
}

export interface WorkerHello {
  torch: string;
  threads: number;
  blas: BlasInfo;
  /** fp32 GEMMs against float64: relative errors by product (torchNN, torchTN, numpyNN). */
  gemmCheck: Record<string, number>;
  /** The pinning variables this (parent) process has, which the worker ran without. */
  pinnedInParent: Record<string, string>;
}

/** One line on the kernels a reference ran with, e.g. "OpenBLAS 0.3.21 core Cooperlake, 2 threads (OPENBLAS_CORETYPE=Haswell unset for it)". */
export function describeReference(h: WorkerHello): string {
  const version = /OpenBLAS\s+(\S+)/.exec(h.blas.config ?? '')?.[1];
  const blas = h.blas.core
    ? `OpenBLAS ${version ?? ''} core ${h.blas.core}, ${h.blas.threads} thread(s)`.replace('  ', ' ')
    : 'BLAS: no OpenBLAS found in the process';
  const freed = Object.entries(h.pinnedInParent)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `torch ${h.torch}, ${blas}, ATen ${h.blas.torchCpuCapability ?? '?'}; ${freed ? `${freed} unset for it` : 'no OpenBLAS pinning variables set'}`;
}

export class TorchWorker {
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      try {
        const v = JSON.parse(line) as { error?: string };
        if (v.error) p.reject(new Error(`torch worker: ${v.error}`));
        else p.resolve(v);
      } catch {
        p.reject(new Error(`torch worker printed a non-JSON line: ${line.slice(0, 200)}`));
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => {
      const lastLines = this.stderr.trim().split('\n').slice(-3).join(' | ');
      for (const p of this.pending.splice(0)) p.reject(new Error(`torch worker exited (${code}): ${lastLines}`));
    });
  }

  /**
   * Starts the worker with `threads` intra-op threads (OpenMP and OpenBLAS alike). `script` is
   * another worker speaking the same protocol (e.g. test/reference/llama_bench.py).
   */
  static async start(
    threads: number,
    script = scriptPath(),
  ): Promise<{ worker: TorchWorker; torch: string; hello: WorkerHello }> {
    const child = spawn(PYTHON, [script], { env: referenceEnv(threads), stdio: ['pipe', 'pipe', 'pipe'] });
    const worker = new TorchWorker(child);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`cannot run ${PYTHON}: ${e.message}`)));
    });
    await spawned;
    const reply = await worker.request<Omit<WorkerHello, 'pinnedInParent'>>({ cmd: 'hello', threads });
    const hello = { ...reply, pinnedInParent: pinnedInParent() };
    try {
      const stillPinned = Object.entries(hello.blas.env).filter(([, v]) => v !== null);
      if (stillPinned.length) throw new Error(`torch worker: still sees ${stillPinned.map(([k]) => k).join(', ')}`);
      assertReferenceCorrect('torch worker (GEMM check)', hello.gemmCheck);
    } catch (e) {
      await worker.close();
      throw e;
    }
    return { worker, torch: hello.torch, hello };
  }

  request<T>(cmd: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.child.stdin.end();
    await exited;
  }
}
