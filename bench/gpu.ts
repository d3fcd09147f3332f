// The GPU suite (issue 26, item 4): WebGPU against the same machine's CPU in one run, each
// measurement in a fresh child process (this script run with --part) under a time limit of its own
// and a total budget, so that a driver that hangs or aborts costs one row, not the run.
//   parity      logits of the `small` preset and one SFT step's gradients, WebGPU against CPU
//   matmul      fp32 MatMul GFLOP/s, 2048² and 4096²
//   train512    the block stack's train step (bench/blockStack.ts), hidden 512; train1024: hidden 1024
//   decode      `small` KV-cache decoding at batch 32, 64 new tokens
//   lora        one MAPoRL iteration of one LoRA policy at qwen2.5-0.5b-shape (bench/maporlLoraRss.ts)
//   maporl      one MAPoRL iteration, 3 agents × 3 turns × 32 questions of `small` (bench/maporlIteration.ts)
//   profile     ORT's profiler, CPU and WebGPU, on the graphs of the rows where WebGPU was slower
// Writes one JSON object (machine, date, table, every part's raw result) to --out after each part,
// and prints the table and then the JSON. The device machine runs it through scripts/gpu-device.sh
// (docs/performance.md, "GPU execution providers").
// `node dist/gpu.js [--quick] [--threads=N] [--budget=SECONDS] [--out=FILE] [--only=part,part] [--providers=cpu,webgpu]`
// --quick: tiny sizes everywhere (a check that the suite runs, not a measurement).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dataOf, type HostTensor } from '../src/engine/core/hostTensor';
import { Rng } from '../src/engine/core/random';
import { LMRuntime, leftPad } from '../src/engine/generate/runtime';
import { bindWeights, tokenInputs } from '../src/engine/generate/graphs';
import { Graph } from '../src/engine/graph/graph';
import * as F from '../src/engine/graph/ops';
import { serialize } from '../src/engine/graph/serialize';
import { buildGradsGraph } from '../src/engine/graph/train/stepGraphs';
import { llamaForward, lmHead } from '../src/engine/nn/llama';
import { createPresetModel } from '../src/engine/nn/model';
import { Session, type ExecutionProvider } from '../src/engine/runtime/session';
import { collate } from '../src/engine/sft/batches';
import { sftStepSpec } from '../src/engine/sft/step';
import { blockStackConfig, trainingFlops } from './blockStack';
import { runJsonChild } from './child';
import { prepareEngineStep } from './engine';
import { describeMachine } from './machine';
import { benchMaporlIteration } from './maporlIteration';
import { maporlPolicyIteration } from './maporlLoraRss';
import { profileGraph, type ProfileOptions, type ProfileReport } from './profile';
import { summarize } from './timing';

const PARTS = ['parity', 'matmul', 'train512', 'decode', 'lora', 'maporl', 'train1024', 'profile'] as const;
type Part = (typeof PARTS)[number];

/** The sizes of a measurement run, and of --quick (a smoke test on a small CPU). */
function sizes(quick: boolean) {
  return quick
    ? {
        parityPreset: 'tiny',
        matmulN: [256, 512],
        train: { train512: blockStackConfig(64, 1, 2, 32), train1024: blockStackConfig(128, 1, 2, 32) },
        steps: 2,
        decode: { preset: 'tiny', batch: 4, tokens: 8 },
        lora: 'tiny',
        maporl: { preset: 'tiny', questions: 2 },
        profile: {
          hidden: 64,
          stack: blockStackConfig(64, 1, 2, 32),
          batch: 4,
          preset: 'tiny',
          past: 8,
          prompt1: 8,
          prompt2: 16,
          response: 4,
        },
      }
    : {
        parityPreset: 'small',
        matmulN: [2048, 4096],
        train: { train512: blockStackConfig(512), train1024: blockStackConfig(1024) },
        steps: 5,
        decode: { preset: 'small', batch: 32, tokens: 64 },
        lora: 'qwen2.5-0.5b-shape',
        maporl: { preset: 'small', questions: 32 },
        profile: { hidden: 512, batch: undefined, preset: 'small', past: 72, prompt1: 80, prompt2: 260, response: 30 },
      };
}
type Sizes = ReturnType<typeof sizes>;

/** Seconds a part may run at most (one child; parity runs both providers in its child). */
const CAP_S: Record<Part, number> = {
  parity: 90,
  matmul: 45,
  train512: 60,
  decode: 60,
  lora: 150,
  maporl: 150,
  train1024: 75,
  profile: 90,
};
/** Seconds of the budget kept for the profiles, which run last (at most this share of the budget). */
const PROFILE_RESERVE = { seconds: 60, share: 0.15 };

const arg = (k: string): string | undefined => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
const quick = process.argv.includes('--quick');
const threads = Number(arg('threads') ?? 0);

// ---------------------------------------------------------------- child: one part on one provider

/** The provider a session asked for `ep` gets in this process (a failed provider stays failed: session.ts). */
async function providerUsed(ep: ExecutionProvider): Promise<{ provider: ExecutionProvider; fallback: string | null }> {
  const g = new Graph('probe');
  g.output('y', F.add(g.input('x', 'float32', [2]), g.input('z', 'float32', [2])));
  let fallback: string | null = null;
  const s = await Session.create(serialize(g), { executionProvider: ep, threads, onFallback: (m) => (fallback = m) });
  await s.release();
  return { provider: s.provider, fallback };
}

async function timeMs(n: number, f: () => Promise<unknown>): Promise<number[]> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return ts;
}

async function matmul(ep: ExecutionProvider, s: Sizes) {
  const out = [];
  for (const n of s.matmulN) {
    const g = new Graph('mm');
    g.output('c', F.matmul(g.input('a', 'float32', [n, n]), g.input('b', 'float32', [n, n])));
    const session = await Session.create(serialize(g), { executionProvider: ep, threads });
    const x = { dtype: 'float32' as const, shape: [n, n], data: new Float32Array(n * n).fill(0.5) };
    await session.run({ a: x, b: x });
    const t = summarize(await timeMs(s.steps, () => session.run({ a: x, b: x })));
    await session.release();
    // Host copies in and out are included: that is what a caller of run() pays.
    out.push({ n, medianMs: t.medianMs, gflops: (2 * n ** 3) / (t.medianMs / 1e3) / 1e9 });
  }
  return out;
}

async function train(ep: ExecutionProvider, part: 'train512' | 'train1024', s: Sizes) {
  const c = s.train[part];
  const step = await prepareEngineStep(c, threads, { executionProvider: ep });
  await step.step();
  const samples: number[] = [];
  let loss = NaN;
  for (let i = 0; i < s.steps; i++) {
    const r = await step.step();
    samples.push(r.ms);
    loss = r.loss;
  }
  const t = summarize(samples);
  return { hidden: c.hidden, compileMs: step.compileMs, ...t, gflops: trainingFlops(c).total / (t.medianMs / 1e3) / 1e9, loss };
}

async function decode(ep: ExecutionProvider, s: Sizes) {
  const model = await createPresetModel(s.decode.preset, 1);
  const lm = await LMRuntime.create(model, { runtime: { executionProvider: ep, threads } });
  const prompts = Array.from({ length: s.decode.batch }, (_, i) =>
    model.tokenizer.encode(`Tom has ${i} pens. Ann gives Tom 3. How many pens now?`),
  );
  const o = { maxNewTokens: s.decode.tokens, temperature: 1, topK: 0, topP: 1, seed: 1 };
  await lm.generate(prompts.slice(0, 2), { ...o, maxNewTokens: 4 });
  const t = performance.now();
  const gens = await lm.generate(prompts, o);
  const seconds = (performance.now() - t) / 1e3;
  await lm.release();
  const tokens = gens.reduce((n, g) => n + g.tokens.length, 0);
  return { preset: s.decode.preset, batch: s.decode.batch, tokens, seconds, tokensPerSecond: tokens / seconds };
}

/** max |got - want| / max |want| over one tensor. */
function relError(got: HostTensor, want: HostTensor): number {
  const a = dataOf(got, 'float32'),
    b = dataOf(want, 'float32');
  if (got.shape.join() !== want.shape.join()) return Infinity;
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

/** The tolerance of test/engine/runtime/webgpuParity.test.ts (WGSL's sin/cos through RoPE). */
const PARITY_TOL = 2e-3;

/** The preset's logits (fused kernels, left-padded batch) and one SFT step's gradients, on the CPU and on `ep`. */
async function parity(ep: ExecutionProvider, s: Sizes) {
  const model = await createPresetModel(s.parityPreset, 11);
  const pad = model.config.padTokenId ?? 0;
  const rng = new Rng(1, 'gpu/parity');
  const rows = [24, 17, 32, 9].map((n) => [1, ...Array.from({ length: n }, () => rng.int(3, model.config.vocabSize - 1))]);
  const both = async (bytes: Uint8Array, feeds: Record<string, HostTensor>) => {
    const res: Record<string, Record<string, HostTensor>> = {};
    let used: ExecutionProvider = 'cpu';
    for (const p of ['cpu', ep] as ExecutionProvider[]) {
      const session = await Session.create(bytes, { executionProvider: p, threads });
      res[p] = await session.run(feeds);
      if (p === ep) used = session.provider;
      await session.release();
    }
    return { cpu: res.cpu, other: res[ep], used };
  };
  // Logits.
  const g = new Graph('logits');
  const w = bindWeights(g, { weights: model.weights, trainable: new Set() });
  const { hidden } = llamaForward(model.config, w, tokenInputs(g), { fused: true });
  g.output('logits', lmHead(model.config, w, hidden));
  const batch = leftPad(rows, pad);
  const lo = await both(serialize(g), { input_ids: batch.ids, positions: batch.positions, attention_mask: batch.mask });
  const logits = relError(lo.other.logits, lo.cpu.logits);
  // One SFT step's gradients (the accumulation graph's first micro-batch: new.acc.<name>).
  const { spec } = sftStepSpec(model, { weightDecay: 0, maxGradNorm: 0 });
  const feeds: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(model.weights)) feeds[`param.${name}`] = t;
  const sft = collate(
    rows.map((ids) => ({ ids: [...ids, 2], promptLength: 4 })),
    pad,
  );
  for (const [name, t] of Object.entries(sft)) feeds[`batch.${name}`] = t;
  const gr = await both(serialize(buildGradsGraph(spec, false)), feeds);
  const errors = ['loss', ...Object.keys(spec.params).map((n) => `new.acc.${n}`)].map((name) => ({
    name,
    relError: relError(gr.other[name], gr.cpu[name]),
  }));
  const worst = errors.reduce((a, b) => (b.relError > a.relError || Number.isNaN(b.relError) ? b : a));
  const gradients = { tensors: errors.length, worst: worst.name, maxRelError: worst.relError };
  return {
    preset: s.parityPreset,
    used: lo.used === ep && gr.used === ep ? ep : `${lo.used}/${gr.used}`,
    tolerance: PARITY_TOL,
    logitsRelError: logits,
    gradients,
    pass: lo.used === ep && gr.used === ep && logits <= PARITY_TOL && worst.relError <= PARITY_TOL,
  };
}

/** The graph bench/profile.ts profiles for a row where WebGPU was slower. */
const PROFILED: Partial<Record<Part, ProfileOptions['graph']>> = {
  train512: 'train',
  train1024: 'train',
  decode: 'decode',
  maporl: 'ppo',
  lora: 'ppo',
};

/** ORT's profile of one graph on the CPU and on WebGPU: the costliest op types and op/shape pairs. */
async function profile(graph: ProfileOptions['graph'], s: Sizes) {
  const out: Record<string, ProfileReport | { error: string }> = {};
  for (const ep of ['cpu', 'webgpu'] as ExecutionProvider[]) {
    try {
      const r = await profileGraph({ graph, executionProvider: ep, threads, steps: 2, level: 'all', ...s.profile });
      out[ep] = { ...r, byOp: r.byOp.slice(0, 12), bySignature: r.bySignature.slice(0, 12) };
    } catch (e) {
      out[ep] = { error: (e as Error).message.split('\n')[0] };
    }
  }
  return out;
}

async function child(part: Part, ep: ExecutionProvider): Promise<unknown> {
  const s = sizes(quick);
  const used = await providerUsed(ep);
  const result = await (async () => {
    switch (part) {
      case 'parity':
        return parity(ep, s);
      case 'matmul':
        return matmul(ep, s);
      case 'train512':
      case 'train1024':
        return train(ep, part, s);
      case 'decode':
        return decode(ep, s);
      case 'lora':
        return maporlPolicyIteration({ mode: 'lora', preset: s.lora, threads, executionProvider: ep });
      case 'maporl':
        return benchMaporlIteration({ iterations: 1, threads, executionProvider: ep, ...s.maporl });
      case 'profile':
        return profile((arg('graph') ?? 'train') as ProfileOptions['graph'], s);
    }
  })();
  return { ...used, result };
}

// ---------------------------------------------------------------- parent: the suite

interface Row {
  part: Part;
  measure: string;
  unit: string;
  /** 'time': smaller is better; 'rate': larger is better. */
  kind: 'time' | 'rate';
  cpu: number | null;
  webgpu: number | null;
  /** How many times faster WebGPU is than the CPU (above 1: faster). */
  webgpuSpeedup: number | null;
  webgpuProvider: string | null;
  note?: string;
}

interface PartOutcome {
  provider?: ExecutionProvider;
  fallback?: string | null;
  result?: unknown;
  error?: string;
  seconds: number;
}

function gpuDescription(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 10_000,
    }).trim();
  } catch {
    return null;
  }
}

/** The table's rows from the parts' results (those that ran). */
function tableRows(results: Record<string, Partial<Record<ExecutionProvider, PartOutcome>>>): Row[] {
  const rows: Row[] = [];
  const add = (measure: string, unit: string, kind: Row['kind'], part: Part, pick: (r: never) => number) => {
    const o = results[part] ?? {};
    const value = (ep: ExecutionProvider) => {
      const r = o[ep]?.result;
      return r === undefined ? null : pick(r as never);
    };
    const cpu = value('cpu'),
      webgpu = value('webgpu');
    const speedup = cpu === null || webgpu === null ? null : kind === 'time' ? cpu / webgpu : webgpu / cpu;
    const note = [o.cpu?.error && `cpu: ${o.cpu.error}`, o.webgpu?.error && `webgpu: ${o.webgpu.error}`]
      .filter(Boolean)
      .join('; ');
    if (cpu === null && webgpu === null && !note) return; // not run
    rows.push({
      part,
      measure,
      unit,
      kind,
      cpu,
      webgpu,
      webgpuSpeedup: speedup,
      webgpuProvider: o.webgpu?.provider ?? null,
      ...(note ? { note } : {}),
    });
  };
  for (const [i, n] of sizes(quick).matmulN.entries())
    add(`MatMul ${n}²`, 'GFLOP/s', 'rate', 'matmul', (r: { gflops: number }[]) => r[i]?.gflops ?? NaN);
  add(
    `train step, hidden ${sizes(quick).train.train512.hidden}`,
    'ms',
    'time',
    'train512',
    (r: { medianMs: number }) => r.medianMs,
  );
  add(
    `train step, hidden ${sizes(quick).train.train1024.hidden}`,
    'ms',
    'time',
    'train1024',
    (r: { medianMs: number }) => r.medianMs,
  );
  add(
    `decode ${sizes(quick).decode.preset}, batch ${sizes(quick).decode.batch}`,
    'tok/s',
    'rate',
    'decode',
    (r: { tokensPerSecond: number }) => r.tokensPerSecond,
  );
  add(
    `MAPoRL iteration, ${sizes(quick).maporl.preset}`,
    's',
    'time',
    'maporl',
    (r: { seconds: { total: number } }) => r.seconds.total,
  );
  add(`LoRA MAPoRL iteration, ${sizes(quick).lora}`, 's', 'time', 'lora', (r: { iterationMs: number }) => r.iterationMs / 1e3);
  add('LoRA policy compile', 's', 'time', 'lora', (r: { compileMs: number }) => r.compileMs / 1e3);
  return rows;
}

function printTable(rows: Row[], log: (s: string) => void): void {
  const f = (x: number | null) => (x === null ? 'n/a' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const head = ['measure', 'unit', 'cpu', 'webgpu', 'webgpu ×', 'webgpu ran on'];
  const body = rows.map((r) => [
    r.measure,
    r.unit,
    f(r.cpu),
    f(r.webgpu),
    r.webgpuSpeedup === null ? 'n/a' : `${r.webgpuSpeedup.toFixed(2)}×`,
    r.webgpuProvider ?? 'n/a',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const b of [head, ...body]) log(b.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const r of rows) if (r.note) log(`  ${r.measure}: ${r.note}`);
}

/** Each distinct reason a part's WebGPU sessions ran on the CPU. */
function fallbacks(results: Record<string, Partial<Record<ExecutionProvider, PartOutcome>>>): string[] {
  return [...new Set(Object.values(results).flatMap((o) => (o.webgpu?.fallback ? [o.webgpu.fallback] : [])))];
}

async function suite(): Promise<void> {
  const started = performance.now();
  const budgetS = Number(arg('budget') ?? 420);
  const outFile = arg('out') ?? (process.env.OUT ? `${process.env.OUT}/gpu-suite.json` : 'gpu-suite.json');
  const only = arg('only')?.split(',') as Part[] | undefined;
  const providers = (arg('providers') ?? 'cpu,webgpu').split(',') as ExecutionProvider[];
  const progress = (m: string) => process.stderr.write(`[gpu ${((performance.now() - started) / 1e3).toFixed(0)} s] ${m}\n`);
  const left = () => budgetS - (performance.now() - started) / 1e3;
  const reserveS = Math.min(PROFILE_RESERVE.seconds, PROFILE_RESERVE.share * budgetS);
  const results: Record<string, Partial<Record<ExecutionProvider, PartOutcome>>> = {};
  const report = {
    date: new Date().toISOString(),
    quick,
    machine: { ...describeMachine(), threads, gpu: gpuDescription(), vkDriverFiles: process.env.VK_DRIVER_FILES ?? null },
    budgetSeconds: budgetS,
    table: [] as Row[],
    parity: null as unknown,
    results,
    skipped: [] as string[],
    webgpuFallbacks: [] as string[],
    /** Issue 26's floors: WebGPU parity-correct, and the 0.5B-shape LoRA iteration ≥ 5× faster than the CPU (null: not measured). */
    floors: { parity: null as boolean | null, loraAtLeast5x: null as boolean | null },
  };
  const save = () => {
    report.table = tableRows(results);
    report.webgpuFallbacks = fallbacks(results);
    const parityResult = results.parity?.webgpu?.result as { pass: boolean } | undefined;
    const lora = report.table.find((r) => r.part === 'lora' && r.unit === 's' && r.measure.startsWith('LoRA MAPoRL'));
    report.floors = {
      parity: parityResult ? parityResult.pass : null,
      loraAtLeast5x: lora?.webgpuSpeedup == null || lora.webgpuProvider !== 'webgpu' ? null : lora.webgpuSpeedup >= 5,
    };
    report.parity = results.parity?.webgpu?.result ?? results.parity?.webgpu?.error ?? null;
    writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');
  };
  const self = [...process.execArgv, process.argv[1]];
  const common = [`--threads=${threads}`, ...(quick ? ['--quick'] : [])];
  /** Runs one part in a child and keeps its outcome under results[key][ep]. */
  const runPart = async (part: Part, ep: ExecutionProvider, keepS: number, extra: string[] = [], key: string = part) => {
    const limitS = Math.min(CAP_S[part], left() - keepS);
    if (limitS < 10) {
      report.skipped.push(`${key} on ${ep}: ${left().toFixed(0)} s of the budget left`);
      progress(`skipped ${key} on ${ep} (budget)`);
      return;
    }
    progress(`${key} on ${ep} (at most ${limitS.toFixed(0)} s)...`);
    const t = performance.now();
    let o: PartOutcome;
    try {
      const r = await runJsonChild<Omit<PartOutcome, 'seconds'>>([...self, `--part=${part}`, `--ep=${ep}`, ...common, ...extra], {
        label: `${key} on ${ep}`,
        timeoutMs: limitS * 1e3,
        onStderr: (c) => process.stderr.write(c),
      });
      o = { ...r, seconds: (performance.now() - t) / 1e3 };
    } catch (e) {
      o = { error: (e as Error).message, seconds: (performance.now() - t) / 1e3 };
    }
    progress(`${key} on ${ep}: ${o.error ?? `done in ${o.seconds.toFixed(1)} s`}`);
    (results[key] ??= {})[ep] = o;
    save();
  };
  progress(`budget ${budgetS} s, writing ${outFile}`);
  save();
  for (const part of PARTS) {
    if (part === 'profile' || (only && !only.includes(part))) continue;
    if (part === 'parity') {
      if (providers.includes('webgpu')) await runPart('parity', 'webgpu', reserveS);
      continue;
    }
    for (const ep of providers) await runPart(part, ep, reserveS);
  }
  // Profiles of the graphs behind the rows where WebGPU was slower than the CPU.
  const graphs = [
    ...new Set(
      report.table
        .filter((r) => r.webgpuSpeedup !== null && r.webgpuSpeedup < 1 && r.webgpuProvider === 'webgpu')
        .map((r) => PROFILED[r.part])
        .filter((g): g is ProfileOptions['graph'] => g !== undefined),
    ),
  ];
  // One child a graph (CPU and WebGPU in it), so that one that runs out of time loses only itself.
  if (!only || only.includes('profile'))
    for (const graph of graphs) await runPart('profile', 'webgpu', 0, [`--graph=${graph}`], `profile:${graph}`);
  if (!graphs.length) report.skipped.push('profile: no row where WebGPU ran and was slower than the CPU');
  save();
  printTable(report.table, (l) => console.log(l));
  for (const f of report.webgpuFallbacks) console.log(`WebGPU fell back to the CPU: ${f}`);
  if (report.parity) console.log(`parity: ${JSON.stringify(report.parity)}`);
  console.log(`floors: ${JSON.stringify(report.floors)}`);
  for (const [key, o] of Object.entries(results))
    if (key.startsWith('profile:'))
      for (const [ep, r] of Object.entries((o.webgpu?.result ?? {}) as Record<string, ProfileReport | { error: string }>))
        console.log(
          'error' in r
            ? `${key} ${ep}: ${r.error}`
            : `${key} ${ep}: ${r.label}, wall ${r.wallMs.map((w) => w.toFixed(0)).join('/')} ms, kernels ${r.kernelMsPerStep.toFixed(1)} ms a step: ` +
                r.byOp
                  .slice(0, 6)
                  .map((c) => `${c.key} ${c.msPerStep.toFixed(1)}`)
                  .join(', '),
        );
  console.log(JSON.stringify(report, null, 2));
  progress(`done in ${((performance.now() - started) / 1e3).toFixed(0)} s; ${outFile}`);
}

async function main(): Promise<void> {
  const part = arg('part') as Part | undefined;
  if (!part) return suite();
  if (!PARTS.includes(part)) throw new Error(`gpu: unknown part ${part} (${PARTS.join(', ')})`);
  process.stdout.write(JSON.stringify(await child(part, (arg('ep') ?? 'cpu') as ExecutionProvider)) + '\n');
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
