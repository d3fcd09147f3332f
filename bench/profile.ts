// Where the engine's training step spends its time: runs the block stack's step graph with ORT's
// profiler on and sums kernel time by ONNX op type and by op on the same input shapes (which says
// which part of the model a cost belongs to).
// Run: `node --import tsx bench/profile.ts [--hidden=512] [--threads=2] [--steps=3] [--level=all] [--top=25]`.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { serialize } from '../src/engine/graph/serialize';
import { buildStepGraph } from '../src/engine/graph/train/trainStep';
import { toOrt } from '../src/engine/runtime/tensors';
import { blockStackConfig, blockStackSpec, initParams, randomBatch } from './blockStack';

const PREFIX = `maporl-profile-${process.pid}`;

interface TraceEvent { cat: string; name: string; dur: number; args?: { op_name?: string; input_type_shape?: unknown } }

async function main(): Promise<void> {
  const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const c = blockStackConfig(Number(arg('hidden', '512')));
  const steps = Number(arg('steps', '3'));
  const spec = blockStackSpec(c);
  const session = await ort.InferenceSession.create(serialize(buildStepGraph(spec)), {
    executionProviders: ['cpu'], intraOpNumThreads: Number(arg('threads', '2')), interOpNumThreads: 1,
    graphOptimizationLevel: arg('level', 'all') as 'all', enableProfiling: true,
    profileFilePrefix: join(tmpdir(), PREFIX),
  });
  const params = initParams(c);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [n, t] of Object.entries(params)) {
    feeds[`param.${n}`] = toOrt(n, t);
    feeds[`m.${n}`] = toOrt(n, { ...t, data: new Float32Array(t.data.length) });
    feeds[`v.${n}`] = toOrt(n, { ...t, data: new Float32Array(t.data.length) });
  }
  for (const [n, t] of Object.entries(randomBatch(c))) feeds[`batch.${n}`] = toOrt(n, t);
  feeds.lr = new ort.Tensor('float32', Float32Array.of(1e-3), []);
  feeds.step = new ort.Tensor('float32', Float32Array.of(1), []);
  await session.run(feeds); // warm-up, excluded below
  const wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    wall.push(performance.now() - t0);
  }
  session.endProfiling(); // writes PREFIX_<date>.json; the JS API does not return the name
  const name = readdirSync(tmpdir()).find((f) => f.startsWith(PREFIX) && f.endsWith('.json'));
  if (!name) throw new Error(`profile: ORT wrote no ${PREFIX}*.json in ${tmpdir()}`);
  const file = join(tmpdir(), name);
  const events = (JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[]).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  rmSync(file, { force: true });
  // The first run's events are the warm-up: keep the last `steps` runs' worth.
  const perRun = events.length / (steps + 1);
  const measured = events.slice(events.length - perRun * steps);

  const byOp = new Map<string, { us: number; count: number }>();
  for (const e of measured) {
    const k = e.args?.op_name ?? '?';
    const a = byOp.get(k) ?? { us: 0, count: 0 };
    a.us += e.dur;
    a.count += 1;
    byOp.set(k, a);
  }
  const total = [...byOp.values()].reduce((s, a) => s + a.us, 0);
  console.log(`hidden ${c.hidden}: ${perRun} kernels a step, wall ${wall.map((w) => w.toFixed(0)).join(' / ')} ms, kernel time ${(total / steps / 1e3).toFixed(0)} ms a step`);
  console.log('op type              ms/step   share  kernels/step');
  for (const [k, a] of [...byOp.entries()].sort((x, y) => y[1].us - x[1].us).slice(0, 25)) {
    console.log(`${k.padEnd(20)} ${(a.us / steps / 1e3).toFixed(1).padStart(8)}  ${((100 * a.us) / total).toFixed(1).padStart(5)}%  ${String(a.count / steps).padStart(6)}`);
  }
  // The same op on the same shapes, summed: says which part of the model a cost belongs to.
  const bySig = new Map<string, { us: number; count: number }>();
  for (const e of measured) {
    const shapes = ((e.args?.input_type_shape ?? []) as Record<string, number[]>[]).map((o) => `[${Object.values(o)[0]}]`).join(' ');
    const k = `${e.args?.op_name} ${shapes}`;
    const a = bySig.get(k) ?? { us: 0, count: 0 };
    a.us += e.dur;
    a.count += 1;
    bySig.set(k, a);
  }
  console.log(`\ncostliest op/shape pairs (ms a step, kernels a step):`);
  for (const [k, a] of [...bySig.entries()].sort((x, y) => y[1].us - x[1].us).slice(0, Number(arg('top', '25')))) {
    console.log(`${(a.us / steps / 1e3).toFixed(1).padStart(8)}  ${String(a.count / steps).padStart(4)}  ${k}`);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
