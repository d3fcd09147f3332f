// Generation speed (issue 3, "Performance"):
//  1. `small` preset, greedy decoding with the KV cache through LMRuntime.generate, against PyTorch
//     eager with a KV cache (test/reference/llama_bench.py) on the same model directory, batch 1 and
//     32; runs of the two interleaved in rounds so that load from other processes hits both alike.
//     Target: >= 1.5x PyTorch's tokens/s at batch 32.
//  2. `qwen2.5-0.5b-shape` (random weights): decode steps at batch 1 and 16 against the
//     memory-bandwidth bound, i.e. bytes read per step (all weights once, the LM head included, plus
//     the KV cache) divided by the copy bandwidth measured here; weights fed at each run (as
//     LMRuntime binds a model this size) and embedded as initializers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDecodeGraph, weightBinding, weightFeeds } from '../src/engine/generate/graphs';
import { LMRuntime } from '../src/engine/generate/runtime';
import type { HostTensor } from '../src/engine/graph/graph';
import { serialize } from '../src/engine/graph/serialize';
import { sftRecords } from '../src/engine/maporl/sftData';
import { llamaParamShapes } from '../src/engine/nn/llama';
import { createPresetModel, saveModel } from '../src/engine/nn/model';
import { presetConfig } from '../src/engine/nn/presets';
import { Session } from '../src/engine/runtime/session';
import { promptTokens } from '../src/engine/sft/tokens';
import { TorchWorker } from './torchWorker';

/** Median of samples (robust to a noisy shared machine). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Threads of each side in the engine-vs-PyTorch comparisons: one, so that neither depends on what
 * else runs on a shared machine (PyTorch's OpenMP threads slow down 10-40x when the cores are
 * oversubscribed; measured on the 2-core development machine under load).
 */
export const COMPARE_THREADS = 1;

export interface BenchContext {
  threads: number;
  quick: boolean;
  /** Report lines (suppressed under --json by the caller). */
  log: (s: string) => void;
  /** Progress notes, on stderr. */
  progress: (s: string) => void;
}

/** test/reference/llama_bench.py, from bench/ (tsx) or dist/ (the bundle). */
export const LLAMA_WORKER = join(__dirname, '..', 'test', 'reference', 'llama_bench.py');

export interface GenerationRow {
  batch: number;
  newTokens: number;
  engineMs: number;
  engineTokensPerS: number;
  torchMs: number | null;
  torchTokensPerS: number | null;
  /** engine tokens/s / PyTorch tokens/s */
  speedup: number | null;
  /** Share of generated tokens where the engine's and PyTorch's greedy choices agree (a sanity check). */
  agreement: number | null;
}

export type WeightPlacement = 'fed' | 'embedded';

export interface DecodeRow { placement: WeightPlacement; batch: number; stepMs: number; tokensPerS: number; boundTokensPerS: number; fractionOfBound: number }

export interface GenerationReport {
  small: { rows: GenerationRow[]; target: { batch: number; speedup: number; met: boolean | null } };
  qwen: { weightBytes: number; copyGBps: number; pastTokens: number; compileMs: Record<WeightPlacement, number>; rows: DecodeRow[] };
}

const TARGET = { batch: 32, speedup: 1.5 };

export async function benchGeneration(ctx: BenchContext): Promise<GenerationReport> {
  const small = await benchSmall(ctx);
  const qwen = await benchQwenDecode(ctx);
  return { small, qwen };
}

// ---- small preset vs PyTorch ------------------------------------------------------------------------

export async function benchSmall(ctx: BenchContext): Promise<GenerationReport['small']> {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-bench-gen-'));
  try {
    const model = await createPresetModel('small', 1);
    // Zero EOS's (tied) embedding row: its logit is then 0 while others spread around it, so greedy
    // decoding never stops early and both engines generate every token.
    const eos = model.tokenizer.eosId!;
    const embed = model.weights['model.embed_tokens.weight'];
    (embed.data as Float32Array).fill(0, eos * embed.shape[1], (eos + 1) * embed.shape[1]);
    await saveModel(join(dir, 'small'), model, { tokenizerFiles: model.tokenizerFiles });

    let torch: TorchWorker | undefined;
    try {
      torch = (await TorchWorker.start(COMPARE_THREADS, LLAMA_WORKER)).worker;
      await torch.request({ cmd: 'load', modelDir: join(dir, 'small') });
    } catch (e) {
      ctx.progress(`generation: PyTorch unavailable (${(e as Error).message}); engine numbers only`);
    }
    const lm = await LMRuntime.create(model, { runtime: { threads: COMPARE_THREADS } });
    const newTokens = ctx.quick ? 16 : 32;
    const rounds = ctx.quick ? 2 : 3;
    const prompts = sftRecords('arith', 'test', 32, 1).map((r) => promptTokens(model.tokenizer, r.prompt));
    const pad = model.tokenizer.padId ?? 0;
    const rows: GenerationRow[] = [];
    for (const batch of [1, 32]) {
      ctx.progress(`generation (small): batch ${batch}`);
      const rowsIn = prompts.slice(0, batch);
      const options = { temperature: 0, topK: 0, topP: 1, maxNewTokens: newTokens, seed: 0 };
      const ours: number[] = [], theirs: number[] = [];
      let ourTokens: number[][] = [], theirTokens: number[][] = [];
      for (let r = 0; r <= rounds; r++) { // round 0 warms both up
        const t0 = performance.now();
        const gens = await lm.generate(rowsIn, options);
        const ms = performance.now() - t0;
        if (gens.some((g) => g.tokens.length !== newTokens)) throw new Error('bench: a sequence stopped early; the comparison needs full lengths');
        ourTokens = gens.map((g) => g.tokens);
        const t = torch && await torch.request<{ ms: number; tokens: number[][] }>({ cmd: 'generate', rows: rowsIn, padId: pad, maxNewTokens: newTokens });
        if (r === 0) continue;
        ours.push(ms);
        if (t) {
          theirs.push(t.ms);
          theirTokens = t.tokens;
        }
      }
      const engineMs = median(ours);
      const torchMs = theirs.length ? median(theirs) : null;
      const tokens = batch * newTokens;
      rows.push({
        batch, newTokens, engineMs, engineTokensPerS: tokens / (engineMs / 1e3),
        torchMs, torchTokensPerS: torchMs ? tokens / (torchMs / 1e3) : null,
        speedup: torchMs ? torchMs / engineMs : null,
        agreement: theirTokens.length ? agreement(ourTokens, theirTokens) : null,
      });
    }
    await lm.release();
    await torch?.close();
    const at = rows.find((r) => r.batch === TARGET.batch);
    const report = { rows, target: { ...TARGET, met: at?.speedup == null ? null : at.speedup >= TARGET.speedup } };
    printSmall(ctx, report);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fraction of positions where two greedy generations agree, up to their first difference per row. */
function agreement(a: number[][], b: number[][]): number {
  let same = 0, total = 0;
  a.forEach((row, i) => {
    total += row.length;
    const first = row.findIndex((t, j) => t !== b[i]?.[j]);
    same += first < 0 ? row.length : first;
  });
  return same / total;
}

function printSmall(ctx: BenchContext, r: GenerationReport['small']): void {
  ctx.log('');
  ctx.log(`generation, \`small\` preset (4 layers, hidden 128), greedy with the KV cache, prompt ~40 tokens (left-padded), ${COMPARE_THREADS} thread each, median of rounds:`);
  ctx.log('  batch  new tokens  engine tok/s  PyTorch tok/s  speedup  greedy agreement');
  for (const row of r.rows) {
    ctx.log(`  ${String(row.batch).padStart(5)}  ${String(row.newTokens).padStart(10)}  ${row.engineTokensPerS.toFixed(0).padStart(12)}  ${(row.torchTokensPerS?.toFixed(0) ?? 'n/a').padStart(13)}  `
      + `${(row.speedup ? `${row.speedup.toFixed(2)}x` : 'n/a').padStart(7)}  ${row.agreement === null ? 'n/a' : `${(100 * row.agreement).toFixed(0)}%`}`);
  }
  ctx.log(`  target at batch ${r.target.batch}: >= ${r.target.speedup}x PyTorch -> ${r.target.met === null ? 'n/a' : r.target.met ? 'MET' : 'NOT MET'}`);
}

// ---- qwen2.5-0.5b-shape decode vs the bandwidth bound -----------------------------------------------

/** Copy bandwidth in GB/s, STREAM convention: (bytes read + bytes written) / time, of one 256 MiB memcpy. */
export function copyBandwidth(): number {
  const n = 64 << 20; // floats = 256 MiB
  const src = new Float32Array(n).fill(1), dst = new Float32Array(n);
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    dst.set(src);
    samples.push(performance.now() - t0);
  }
  return (2 * 4 * n) / (Math.min(...samples.slice(1)) / 1e3) / 1e9;
}

/** Seeded uniform weights in ±0.02, filled fast (an LCG): 494M values take seconds, not minutes. */
function randomWeights(shapes: Record<string, number[]>): Record<string, HostTensor> {
  let s = 12345;
  const out: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('norm.weight')) data.fill(1);
    else for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; data[i] = (s / 4294967296 - 0.5) * 0.04; }
    out[name] = { dtype: 'float32', shape, data };
  }
  return out;
}

export async function benchQwenDecode(ctx: BenchContext): Promise<GenerationReport['qwen']> {
  const preset = 'qwen2.5-0.5b-shape';
  const cfg = presetConfig(preset, 0, { bosTokenId: null, eosTokenId: null, padTokenId: null });
  ctx.progress(`decode (${preset}): measuring copy bandwidth, making random weights`);
  const copyGBps = copyBandwidth();
  const weights = randomWeights(llamaParamShapes(cfg));
  const weightBytes = Object.values(weights).reduce((n, t) => n + 4 * t.data.length, 0);
  const P = 64, L = cfg.numHiddenLayers, KVH = cfg.numKeyValueHeads, D = cfg.headDim;
  const rows: DecodeRow[] = [];
  const compileMs: Record<WeightPlacement, number> = { fed: 0, embedded: 0 };
  // As LMRuntime binds a model this size (fed: read in place from the host's one copy), and with
  // the weights embedded as initializers (pre-packed by ORT, but a copy per session).
  for (const placement of ['fed', 'embedded'] as const) {
    ctx.progress(`decode (${preset}): compiling the decode graph, weights ${placement} (${(weightBytes / 1e9).toFixed(2)} GB)`);
    const t0 = performance.now();
    const binding = weightBinding(weights, new Set(), placement === 'fed' ? 0 : Infinity);
    const session = await Session.create(serialize(buildDecodeGraph(cfg, binding)), { threads: ctx.threads });
    compileMs[placement] = performance.now() - t0;
    for (const batch of [1, 16]) {
      ctx.progress(`decode (${preset}): weights ${placement}, batch ${batch}`);
      const feeds: Record<string, HostTensor> = {
        ...weightFeeds(binding),
        input_ids: { dtype: 'int64', shape: [batch, 1], data: new BigInt64Array(batch).fill(100n) },
        positions: { dtype: 'int64', shape: [batch, 1], data: new BigInt64Array(batch).fill(BigInt(P)) },
        attention_mask: { dtype: 'int64', shape: [batch, P + 1], data: new BigInt64Array(batch * (P + 1)).fill(1n) },
        temperature: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
      };
      for (let l = 0; l < L; l++) {
        for (const kv of ['k', 'v']) feeds[`past.${kv}.${l}`] = { dtype: 'float32', shape: [batch, KVH, P, D], data: new Float32Array(batch * KVH * P * D).fill(0.01) };
      }
      const samples: number[] = [];
      for (let i = 0; i <= (ctx.quick ? 3 : 6); i++) {
        const t = performance.now();
        await session.run(feeds);
        if (i > 0) samples.push(performance.now() - t); // the first run warms up
      }
      const stepMs = median(samples);
      const kvBytes = batch * L * 2 * KVH * (P + 1) * D * 4;
      const boundStepsPerS = (copyGBps * 1e9) / (weightBytes + kvBytes);
      const tokensPerS = batch / (stepMs / 1e3);
      rows.push({ placement, batch, stepMs, tokensPerS, boundTokensPerS: batch * boundStepsPerS, fractionOfBound: tokensPerS / (batch * boundStepsPerS) });
    }
    await session.release();
  }
  const report = { weightBytes, copyGBps, pastTokens: P, compileMs, rows };
  ctx.log('');
  ctx.log(`decode, ${preset} (random weights, ${(weightBytes / 1e9).toFixed(2)} GB fp32, tied LM head), one step over a ${P}-token KV cache;`);
  ctx.log(`bound = copy bandwidth ${copyGBps.toFixed(1)} GB/s (read + write of a 256 MiB memcpy) / bytes read per step (weights + KV cache);`);
  ctx.log(`weights fed (as LMRuntime runs a model this size; compile ${(compileMs.fed / 1e3).toFixed(0)} s) or embedded as initializers (compile ${(compileMs.embedded / 1e3).toFixed(0)} s):`);
  ctx.log('  weights   batch  step ms  tokens/s  bound tokens/s  of bound');
  for (const r of rows) {
    ctx.log(`  ${r.placement.padEnd(8)}  ${String(r.batch).padStart(5)}  ${r.stepMs.toFixed(0).padStart(7)}  ${r.tokensPerS.toFixed(2).padStart(8)}  ${r.boundTokensPerS.toFixed(2).padStart(14)}  ${(100 * r.fractionOfBound).toFixed(0).padStart(7)}%`);
  }
  return report;
}
