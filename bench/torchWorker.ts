// Drives bench/torch_block.py as a long-lived child process: one JSON command per line in, one
// JSON reply per line out. A missing python3 or torch is reported, not thrown: the bench still
// prints our own numbers.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const PYTHON = process.env.MAPORL_PYTHON ?? '/usr/bin/python3';

/** bench/torch_block.py next to this file (tsx) or next to dist/ (the bundle). */
function scriptPath(): string {
  for (const p of [join(__dirname, 'torch_block.py'), join(__dirname, '..', 'bench', 'torch_block.py')]) if (existsSync(p)) return p;
  throw new Error('bench: cannot find bench/torch_block.py');
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
  static async start(threads: number, script = scriptPath()): Promise<{ worker: TorchWorker; torch: string }> {
    // OMP_WAIT_POLICY=PASSIVE: Debian's torch runs elementwise ops on OpenMP threads and matrix
    // products on OpenBLAS's own pthreads; with OpenMP's default spin-wait the two pools fight for
    // the cores (measured: a hidden-512 block-stack step 3.3 s spinning vs 2.3 s passive, 2 cores).
    const env = {
      ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE', PYTHONDONTWRITEBYTECODE: '1',
    };
    const child = spawn(PYTHON, [script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const worker = new TorchWorker(child);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`cannot run ${PYTHON}: ${e.message}`)));
    });
    await spawned;
    const hello = await worker.request<{ torch: string }>({ cmd: 'hello', threads });
    return { worker, torch: hello.torch };
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
