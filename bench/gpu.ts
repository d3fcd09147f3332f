// Execution providers side by side (run on a machine with a GPU; see docs/performance.md): for cpu,
// webgpu and cuda, which provider a session really got, the fp32 MatMul rate, the training-step
// time of the hidden-512 block stack, and KV-cache decoding tokens/s of the `small` preset at
// batch 32. Prints one JSON object. `node dist/gpu-bench.js [--threads=N]`.
import { Graph } from '../src/engine/graph/graph';
import * as F from '../src/engine/graph/ops';
import { serialize } from '../src/engine/graph/serialize';
import { LMRuntime } from '../src/engine/generate/runtime';
import { createPresetModel } from '../src/engine/nn/model';
import { Session, type ExecutionProvider } from '../src/engine/runtime/session';
import { blockStackConfig, trainingFlops } from './blockStack';
import { prepareEngineStep } from './engine';

const threads = Number(process.argv.find((a) => a.startsWith('--threads='))?.split('=')[1] ?? 0);

async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[Math.floor(n / 2)];
}

async function matmulGflops(ep: ExecutionProvider, n: number): Promise<{ provider: string; gflops: number }> {
  const g = new Graph('mm');
  const a = g.input('a', 'float32', [n, n]),
    b = g.input('b', 'float32', [n, n]);
  g.output('c', F.matmul(a, b));
  const notes: string[] = [];
  const s = await Session.create(serialize(g), { executionProvider: ep, threads, onFallback: (m) => notes.push(m) });
  const x = { dtype: 'float32' as const, shape: [n, n], data: new Float32Array(n * n).fill(0.5) };
  await s.run({ a: x, b: x });
  const ms = await median(5, () => s.run({ a: x, b: x }));
  await s.release();
  return { provider: s.provider + (notes.length ? ` (${notes[0]})` : ''), gflops: (2 * n ** 3) / (ms / 1e3) / 1e9 };
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { threads, node: process.version, time: new Date().toISOString() };
  for (const ep of ['cpu', 'webgpu', 'cuda'] as ExecutionProvider[]) {
    const r: Record<string, unknown> = {};
    try {
      r.matmul2048 = await matmulGflops(ep, 2048);
      r.matmul4096 = await matmulGflops(ep, 4096);
      const c = blockStackConfig(512);
      const notes: string[] = [];
      const step = await prepareEngineStep(c, threads, { executionProvider: ep, onFallback: (m) => notes.push(m) });
      await step.step();
      const ms = await median(5, async () => step.step());
      r.trainStepHidden512 = { ms, gflops: trainingFlops(c).total / (ms / 1e3) / 1e9, note: notes[0] };
      const model = await createPresetModel('small', 1);
      const lm = await LMRuntime.create(model, { runtime: { executionProvider: ep, threads } });
      const prompts = Array.from({ length: 32 }, (_, i) =>
        model.tokenizer.encode(`Tom has ${i} pens. Ann gives Tom 3. How many pens now?`),
      );
      const o = { maxNewTokens: 64, temperature: 1, topK: 0, topP: 1, seed: 1 };
      await lm.generate(prompts.slice(0, 2), { ...o, maxNewTokens: 4 });
      const t = performance.now();
      const gens = await lm.generate(prompts, o);
      const tokens = gens.reduce((n, g) => n + g.tokens.length, 0);
      r.decodeSmallBatch32 = { tokensPerSecond: tokens / ((performance.now() - t) / 1e3) };
      await lm.release();
    } catch (e) {
      r.error = (e as Error).message.split('\n')[0];
    }
    result[ep] = r;
  }
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
