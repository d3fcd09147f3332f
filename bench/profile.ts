// Where the engine's time goes: runs a graph with ORT's profiler on and sums kernel time by ONNX op
// type and by op on the same input shapes (which says which part of the model a cost belongs to).
// --graph=train (default): the block stack's training step. --graph=decode: one decode step of the
// `small` preset at batch --batch (default 32) over a --past-token slot cache (default 72), as
// LMRuntime.generate runs it (--plain: the plain-op graph, the fused one's reference). --graph=ppo:
// one MAPoRL PPO step of --preset (default tiny) on a packed minibatch of --batch sequences
// (default 64), a third of them first-turn ones (--prompt1 prompt tokens, default 80) and the rest
// later-turn ones (--prompt2, default 260: full-text discussion), each with --response tokens
// (default 30); group advantages, no critic, as the suite's rows.
// --ep=webgpu profiles on another provider (bench/gpu.ts calls profileGraph for both).
// Run: `node --import tsx bench/profile.ts [--graph=train|decode|ppo] [--hidden=512] [--threads=2] [--steps=3] [--level=all] [--top=25] [--ep=cpu]`.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { serialize } from '../src/engine/graph/serialize';
import { buildStepGraph } from '../src/engine/graph/train/stepGraphs';
import { buildDecodeGraph, weightBinding } from '../src/engine/generate/graphs';
import { createPresetModel } from '../src/engine/nn/model';
import { packedActionBatch } from '../src/engine/generate/actions';
import { shapesOf } from '../src/engine/maporl/ppo/critic';
import { ppoStepSpec } from '../src/engine/maporl/ppo/ppoGraph';
import type { HostTensor } from '../src/engine/core/hostTensor';
import { Rng } from '../src/engine/core/random';
import { toOrt } from '../src/engine/runtime/tensors';
import { modelFor } from '../src/engine/runtime/providerModels';
import type { ExecutionProvider } from '../src/engine/runtime/session';
import { blockStackConfig, blockStackSpec, initParams, randomBatch, type BlockStackConfig } from './blockStack';

const PREFIX = `maporl-profile-${process.pid}`;

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; provider?: string; input_type_shape?: unknown };
}

export interface ProfileOptions {
  graph: 'train' | 'decode' | 'ppo';
  executionProvider: ExecutionProvider;
  threads: number;
  steps: number;
  level: 'disabled' | 'basic' | 'extended' | 'all';
  hidden: number;
  /** The block stack to train (default blockStackConfig(hidden)). */
  stack?: BlockStackConfig;
  batch?: number;
  past: number;
  /** Decode: the plain-op graph (no contrib kernels, separate projections) instead of the fused one. */
  plain?: boolean;
  preset: string;
  prompt1: number;
  prompt2: number;
  response: number;
}

interface Cost {
  key: string;
  msPerStep: number;
  share: number;
  perStep: number;
}

export interface ProfileReport {
  label: string;
  executionProvider: ExecutionProvider;
  kernelsPerStep: number;
  wallMs: number[];
  kernelMsPerStep: number;
  /** Kernel time by ONNX op type, by op on the same input shapes, and by the provider that ran it. */
  byOp: Cost[];
  bySignature: Cost[];
  byProvider: Cost[];
}

/** Runs one graph with ORT's profiler on (after one warm-up run) and sums kernel time. */
export async function profileGraph(o: ProfileOptions): Promise<ProfileReport> {
  const { steps } = o;
  const { model, feeds, label } =
    o.graph === 'decode'
      ? await decodeStep(o.batch ?? 32, o.past, o.plain ?? false)
      : o.graph === 'ppo'
        ? await ppoStep(o.preset, o.batch ?? 64, { first: o.prompt1, later: o.prompt2, response: o.response })
        : trainStep(o.stack ?? blockStackConfig(o.hidden));
  const session = await ort.InferenceSession.create(modelFor(o.executionProvider, model), {
    executionProviders: [o.executionProvider],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: o.level,
    enableProfiling: true,
    profileFilePrefix: join(tmpdir(), PREFIX),
  });
  await session.run(feeds); // warm-up, excluded below
  const wallMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    wallMs.push(performance.now() - t0);
  }
  session.endProfiling(); // writes PREFIX_<date>.json; the JS API does not return the name
  await session.release();
  const name = readdirSync(tmpdir()).find((f) => f.startsWith(PREFIX) && f.endsWith('.json'));
  if (!name) throw new Error(`profile: ORT wrote no ${PREFIX}*.json in ${tmpdir()}`);
  const file = join(tmpdir(), name);
  const events = (JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[]).filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
  );
  rmSync(file, { force: true });
  // The first run's events are the warm-up: keep the last `steps` runs' worth.
  const perRun = events.length / (steps + 1);
  const measured = events.slice(events.length - perRun * steps);
  const total = measured.reduce((s, e) => s + e.dur, 0);
  const costs = (keyOf: (e: TraceEvent) => string): Cost[] => {
    const acc = new Map<string, { us: number; count: number }>();
    for (const e of measured) {
      const k = keyOf(e);
      const a = acc.get(k) ?? { us: 0, count: 0 };
      a.us += e.dur;
      a.count += 1;
      acc.set(k, a);
    }
    return [...acc.entries()]
      .sort((x, y) => y[1].us - x[1].us)
      .map(([key, a]) => ({ key, msPerStep: a.us / steps / 1e3, share: a.us / total, perStep: a.count / steps }));
  };
  return {
    label,
    executionProvider: o.executionProvider,
    kernelsPerStep: perRun,
    wallMs,
    kernelMsPerStep: total / steps / 1e3,
    byOp: costs((e) => e.args?.op_name ?? '?'),
    // The same op on the same shapes, summed: says which part of the model a cost belongs to.
    bySignature: costs((e) => {
      const shapes = ((e.args?.input_type_shape ?? []) as Record<string, number[]>[])
        .map((s) => `[${Object.values(s)[0]}]`)
        .join(' ');
      return `${e.args?.op_name} ${shapes}`;
    }),
    byProvider: costs((e) => e.args?.provider ?? '?'),
  };
}

async function main(): Promise<void> {
  const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const steps = Number(arg('steps', '3'));
  const graph = arg('graph', 'train') as ProfileOptions['graph'];
  const r = await profileGraph({
    graph,
    executionProvider: arg('ep', 'cpu') as ExecutionProvider,
    threads: Number(arg('threads', '2')),
    steps,
    level: arg('level', 'all') as ProfileOptions['level'],
    hidden: Number(arg('hidden', '512')),
    batch: process.argv.some((a) => a.startsWith('--batch=')) ? Number(arg('batch', '0')) : undefined,
    past: Number(arg('past', '72')),
    plain: process.argv.includes('--plain'),
    preset: arg('preset', 'tiny'),
    prompt1: Number(arg('prompt1', '80')),
    prompt2: Number(arg('prompt2', '260')),
    response: Number(arg('response', '30')),
  });
  console.log(
    `${r.label}: ${r.kernelsPerStep} kernels a step, wall ${r.wallMs.map((w) => w.toFixed(0)).join(' / ')} ms, kernel time ${r.kernelMsPerStep.toFixed(0)} ms a step`,
  );
  console.log('op type              ms/step   share  kernels/step');
  for (const c of r.byOp.slice(0, 25))
    console.log(
      `${c.key.padEnd(20)} ${c.msPerStep.toFixed(1).padStart(8)}  ${(100 * c.share).toFixed(1).padStart(5)}%  ${String(c.perStep).padStart(6)}`,
    );
  console.log(`\ncostliest op/shape pairs (ms a step, kernels a step):`);
  for (const c of r.bySignature.slice(0, Number(arg('top', '25'))))
    console.log(`${c.msPerStep.toFixed(1).padStart(8)}  ${String(c.perStep).padStart(4)}  ${c.key}`);
}

/** The block stack's training step and its feeds. */
function trainStep(c: BlockStackConfig): { model: Uint8Array; feeds: Record<string, ort.Tensor>; label: string } {
  const feeds = stepFeeds(initParams(c), randomBatch(c), 1e-3);
  return { model: serialize(buildStepGraph(blockStackSpec(c))), feeds, label: `train step, hidden ${c.hidden}` };
}

/** Feeds of a step graph's first step: parameters, zero Adam moments, the batch, lr and step 1. */
function stepFeeds(
  params: Record<string, HostTensor>,
  batch: Record<string, HostTensor>,
  lr: number,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [n, t] of Object.entries(params)) {
    feeds[`param.${n}`] = toOrt(n, t);
    feeds[`m.${n}`] = toOrt(n, { ...t, data: new Float32Array(t.data.length) });
    feeds[`v.${n}`] = toOrt(n, { ...t, data: new Float32Array(t.data.length) });
  }
  for (const [n, t] of Object.entries(batch)) feeds[`batch.${n}`] = toOrt(n, t);
  feeds.lr = new ort.Tensor('float32', Float32Array.of(lr), []);
  feeds.step = new ort.Tensor('float32', Float32Array.of(1), []);
  return feeds;
}

/** One PPO step of a preset's policy on a packed minibatch of `batch` sequences of the given lengths. */
async function ppoStep(
  preset: string,
  batch: number,
  len: { first: number; later: number; response: number },
): Promise<{ model: Uint8Array; feeds: Record<string, ort.Tensor>; label: string }> {
  const lm = await createPresetModel(preset, 1);
  const spec = ppoStepSpec(lm.config, { params: shapesOf(lm.weights) }, GROUP_PPO);
  const batchFeeds = randomPpoBatch(lm.config.vocabSize, batch, len, new Rng(1, 'profile/ppo'));
  const feeds = stepFeeds(lm.weights, batchFeeds, 1e-4);
  const [B, T] = batchFeeds.input_ids.shape;
  const n = batchFeeds.action_index.shape[0];
  return {
    model: serialize(buildStepGraph(spec)),
    feeds,
    label: `PPO step, ${preset}, ${batch} sequences packed into [${B}, ${T}], ${n} actions`,
  };
}

/** PPO settings of the suite's rows: group advantages, no critic. */
export const GROUP_PPO = { clipRange: 0.2, vfClip: 0.2, vfCoef: 0.1, maxGradNorm: 1, critic: false };

/**
 * A PPO minibatch of random tokens packed as ppoUpdate packs rollouts: `batch` sequences, a third
 * with first-turn prompts (len.first tokens), the rest later-turn ones, each with a response of
 * len.response tokens; old log-probs and advantages drawn from `rng`.
 */
export function randomPpoBatch(
  vocabSize: number,
  batch: number,
  len: { first: number; later: number; response: number },
  rng: Rng,
): Record<string, HostTensor> {
  const tokens = (n: number) => Array.from({ length: n }, () => rng.int(3, vocabSize - 1));
  const seqs = Array.from({ length: batch }, (_, i) => ({
    prompt: tokens(i % 3 === 0 ? len.first : len.later),
    response: tokens(len.response),
  }));
  const { tensors } = packedActionBatch(seqs, 0);
  const n = tensors.action_index.shape[0];
  const perAction = (f: () => number) => ({ dtype: 'float32' as const, shape: [n], data: Float32Array.from({ length: n }, f) });
  return {
    ...tensors,
    temperature: { dtype: 'float32' as const, shape: [], data: Float32Array.of(0.7) },
    old_logprobs: perAction(() => -1 - rng.float()),
    advantages: perAction(() => rng.float() - 0.5),
  };
}

/** One decode step of the `small` preset (weights embedded) over a cache of `past` filled slots. */
async function decodeStep(
  batch: number,
  past: number,
  plain: boolean,
): Promise<{ model: Uint8Array; feeds: Record<string, ort.Tensor>; label: string }> {
  const lm = await createPresetModel('small', 1);
  const cfg = lm.config;
  // As LMRuntime binds a model this size: embedded weights, stacked on the host unless plain.
  const model = serialize(buildDecodeGraph(cfg, { ...weightBinding(lm.weights), fuseProjections: !plain, plain }));
  const int64 = (n: number, v: bigint, shape: number[]) => new ort.Tensor('int64', new BigInt64Array(n).fill(v), shape);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(batch, 5n, [batch, 1]),
    positions: int64(batch, BigInt(past), [batch, 1]),
    attention_mask: int64(batch * (past + 1), 1n, [batch, past + 1]),
    temperature: new ort.Tensor('float32', Float32Array.of(1), []),
  };
  const size = batch * cfg.numKeyValueHeads * past * cfg.headDim;
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    for (const kv of ['k', 'v'])
      feeds[`past.${kv}.${l}`] = new ort.Tensor('float32', new Float32Array(size).fill(0.01), [
        batch,
        cfg.numKeyValueHeads,
        past,
        cfg.headDim,
      ]);
  }
  return { model, feeds, label: `decode step (${plain ? 'plain' : 'fused'}), small, batch ${batch}, ${past} cached tokens` };
}

// Only as the script itself: bundled into dist/gpu.js, `require.main === module` holds there too.
if (require.main === module && /profile\.ts$/.test(process.argv[1] ?? '')) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
