// Generation speed:
//  1. `small` preset, greedy decoding with the KV cache through LMRuntime.generate, against PyTorch
//     eager with a KV cache (test/reference/llama_bench.py) on the same model directory, batch 1 and
//     32; runs of the two interleaved in rounds so that load from other processes hits both alike.
//     Target: >= 3x PyTorch's tokens/s at batch 32 (1.5x before the reference ran unpinned OpenBLAS).
//     The engine's plain-op graphs (LMRuntime.create({ plainGraphs }): no contrib kernels, separate
//     q/k/v and gate/up products) run in the same rounds, to show what the fused graphs gain.
//  2. `qwen2.5-0.5b-shape` (random weights): decode steps at batch 1 and 16 against the
//     memory-bandwidth bound, and peak RSS, with the weights fed at each run (as LMRuntime binds a
//     model this size) and embedded as initializers, each in a fresh process (bench/qwenDecode.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataOf } from '../src/engine/core/hostTensor';
import { LMRuntime } from '../src/engine/generate/runtime';
import { sftRecords } from '../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../src/engine/nn/model';
import { padTokenId, promptTokens } from '../src/engine/prompts/tokens';
import { runBenchChild } from './child';
import { assertReferenceCorrect, describeReference, TorchWorker, type Float64Check } from './torchWorker';

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
  /** false (--no-large): skip the 0.5B-shape measurements (several GB of memory, minutes of compiling), e.g. on a shared machine. */
  large: boolean;
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
  /** The plain-op graphs in the same rounds: ms, and plain ms / fused ms. */
  plainMs: number;
  fusedOverPlain: number;
  /** Whether the plain-op graphs chose the same greedy tokens as the fused ones (they must). */
  plainSameTokens: boolean;
}

export type WeightPlacement = 'fed' | 'embedded';

export interface DecodeRow {
  batch: number;
  stepMs: number;
  tokensPerS: number;
  boundTokensPerS: number;
  fractionOfBound: number;
}

/** What bench/qwenDecode.ts reports for one weight placement. */
export interface QwenDecodeChild {
  placement: WeightPlacement;
  weightBytes: number;
  copyGBps: number;
  pastTokens: number;
  compileMs: number;
  peakRssBytes: number;
  rows: DecodeRow[];
}

export interface GenerationReport {
  small: {
    rows: GenerationRow[];
    target: { batch: number; speedup: number; met: boolean | null };
    /** The PyTorch reference's kernels (describeReference) and its fp32-vs-float64 check on the model, or null without PyTorch. */
    reference: { description: string; check: Float64Check } | null;
  };
  qwen: { weightBytes: number; pastTokens: number; placements: QwenDecodeChild[] } | null;
}

const TARGET = { batch: 32, speedup: 3 };

export async function benchGeneration(ctx: BenchContext): Promise<GenerationReport> {
  const small = await benchSmall(ctx);
  const qwen = ctx.large ? await benchQwenDecode(ctx) : null;
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
    dataOf(embed, 'float32').fill(0, eos * embed.shape[1], (eos + 1) * embed.shape[1]);
    await saveModel(join(dir, 'small'), model, { tokenizerFiles: model.tokenizerFiles });

    let torch: TorchWorker | undefined;
    let reference: GenerationReport['small']['reference'] = null;
    try {
      const started = await TorchWorker.start(COMPARE_THREADS, LLAMA_WORKER);
      torch = started.worker;
      const { check } = await torch.request<{ check: Float64Check }>({ cmd: 'load', modelDir: join(dir, 'small') });
      assertReferenceCorrect('generation: the PyTorch model', check.relErr);
      reference = { description: describeReference(started.hello), check };
    } catch (e) {
      await torch?.close();
      torch = undefined;
      ctx.progress(`generation: PyTorch unavailable (${(e as Error).message}); engine numbers only`);
    }
    const lm = await LMRuntime.create(model, { runtime: { threads: COMPARE_THREADS } });
    const plain = await LMRuntime.create(model, { runtime: { threads: COMPARE_THREADS }, plainGraphs: true });
    const newTokens = ctx.quick ? 16 : 32;
    const rounds = ctx.quick ? 2 : 3;
    const prompts = sftRecords('arith', 'test', 32, 1).map((r) => promptTokens(model.tokenizer, r.prompt));
    const pad = padTokenId(model.tokenizer);
    const rows: GenerationRow[] = [];
    for (const batch of [1, 32]) {
      ctx.progress(`generation (small): batch ${batch}`);
      const rowsIn = prompts.slice(0, batch);
      const options = { temperature: 0, topK: 0, topP: 1, maxNewTokens: newTokens, seed: 0 };
      const ours: number[] = [],
        theirs: number[] = [],
        plainMs: number[] = [];
      let plainSameTokens = true;
      let ourTokens: number[][] = [],
        theirTokens: number[][] = [];
      for (let r = 0; r <= rounds; r++) {
        // round 0 warms both up
        const t0 = performance.now();
        const gens = await lm.generate(rowsIn, options);
        const ms = performance.now() - t0;
        if (gens.some((g) => g.tokens.length !== newTokens))
          throw new Error('bench: a sequence stopped early; the comparison needs full lengths');
        ourTokens = gens.map((g) => g.tokens);
        const p0 = performance.now();
        const plainGens = await plain.generate(rowsIn, options);
        const pMs = performance.now() - p0;
        plainSameTokens &&= plainGens.every((g, i) => g.tokens.join() === gens[i].tokens.join());
        const t =
          torch &&
          (await torch.request<{ ms: number; tokens: number[][] }>({
            cmd: 'generate',
            rows: rowsIn,
            padId: pad,
            maxNewTokens: newTokens,
          }));
        if (r === 0) continue;
        ours.push(ms);
        plainMs.push(pMs);
        if (t) {
          theirs.push(t.ms);
          theirTokens = t.tokens;
        }
      }
      const engineMs = median(ours);
      const torchMs = theirs.length ? median(theirs) : null;
      const tokens = batch * newTokens;
      rows.push({
        batch,
        newTokens,
        engineMs,
        engineTokensPerS: tokens / (engineMs / 1e3),
        torchMs,
        torchTokensPerS: torchMs ? tokens / (torchMs / 1e3) : null,
        speedup: torchMs ? torchMs / engineMs : null,
        agreement: theirTokens.length ? agreement(ourTokens, theirTokens) : null,
        plainMs: median(plainMs),
        fusedOverPlain: median(plainMs) / engineMs,
        plainSameTokens,
      });
    }
    await Promise.all([lm.release(), plain.release()]);
    await torch?.close();
    const at = rows.find((r) => r.batch === TARGET.batch);
    const report = { rows, target: { ...TARGET, met: at?.speedup == null ? null : at.speedup >= TARGET.speedup }, reference };
    printSmall(ctx, report);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fraction of positions where two greedy generations agree, up to their first difference per row. */
function agreement(a: number[][], b: number[][]): number {
  let same = 0,
    total = 0;
  a.forEach((row, i) => {
    total += row.length;
    const first = row.findIndex((t, j) => t !== b[i]?.[j]);
    same += first < 0 ? row.length : first;
  });
  return same / total;
}

function printSmall(ctx: BenchContext, r: GenerationReport['small']): void {
  ctx.log('');
  ctx.log(
    `generation, \`small\` preset (4 layers, hidden 128), greedy with the KV cache, prompt ~40 tokens (left-padded), ${COMPARE_THREADS} thread each, median of rounds:`,
  );
  if (r.reference)
    ctx.log(
      `  reference: ${r.reference.description}; fp32 against float64: loss ${r.reference.check.relErr.loss.toExponential(1)}, gradients ${r.reference.check.relErr.grad.toExponential(1)}`,
    );
  ctx.log('  batch  new tokens  engine tok/s  PyTorch tok/s  speedup  greedy agreement  plain graphs tok/s  fused/plain');
  for (const row of r.rows) {
    const plainTokS = (row.batch * row.newTokens) / (row.plainMs / 1e3);
    ctx.log(
      `  ${String(row.batch).padStart(5)}  ${String(row.newTokens).padStart(10)}  ${row.engineTokensPerS.toFixed(0).padStart(12)}  ${(row.torchTokensPerS?.toFixed(0) ?? 'n/a').padStart(13)}  ` +
        `${(row.speedup ? `${row.speedup.toFixed(2)}x` : 'n/a').padStart(7)}  ${(row.agreement === null ? 'n/a' : `${(100 * row.agreement).toFixed(0)}%`).padStart(16)}  ` +
        `${plainTokS.toFixed(0).padStart(18)}  ${`${row.fusedOverPlain.toFixed(2)}x`.padStart(11)}${row.plainSameTokens ? '' : '  (plain graphs chose other tokens!)'}`,
    );
  }
  ctx.log(
    `  target at batch ${r.target.batch}: >= ${r.target.speedup}x PyTorch -> ${r.target.met === null ? 'n/a' : r.target.met ? 'MET' : 'NOT MET'}`,
  );
}

// ---- qwen2.5-0.5b-shape decode vs the bandwidth bound -----------------------------------------------

export async function benchQwenDecode(ctx: BenchContext): Promise<NonNullable<GenerationReport['qwen']>> {
  // Each placement in a fresh process: its peak memory is its own, and its timings do not depend
  // on what this process allocated before (fed weights measured 2.8x slower at batch 1 late in a
  // full bench run than alone).
  const children: QwenDecodeChild[] = [];
  for (const placement of ['fed', 'embedded'] as const) {
    ctx.progress(`decode (qwen2.5-0.5b-shape): weights ${placement}, in a child process`);
    children.push(
      await runBenchChild<QwenDecodeChild>('qwenDecode.ts', [
        `--placement=${placement}`,
        `--threads=${ctx.threads}`,
        ...(ctx.quick ? ['--quick'] : []),
      ]),
    );
  }
  const report = { weightBytes: children[0].weightBytes, pastTokens: children[0].pastTokens, placements: children };
  ctx.log('');
  ctx.log(
    `decode, qwen2.5-0.5b-shape (random weights, ${(report.weightBytes / 1e9).toFixed(2)} GB fp32, tied LM head), one step over a ${report.pastTokens}-token KV cache, each placement in a fresh process;`,
  );
  ctx.log(
    'bound = copy bandwidth (read + write of a 256 MiB memcpy, measured in that process) / bytes read per step (weights + KV cache);',
  );
  ctx.log(
    'weights fed at each run (as LMRuntime runs a model this size) or embedded as initializers; peak RSS of the process (weights made + one decode session):',
  );
  ctx.log('  weights   batch  step ms  tokens/s  bound tokens/s  of bound  compile  peak RSS');
  for (const c of children) {
    for (const r of c.rows) {
      ctx.log(
        `  ${c.placement.padEnd(8)}  ${String(r.batch).padStart(5)}  ${r.stepMs.toFixed(0).padStart(7)}  ${r.tokensPerS.toFixed(2).padStart(8)}  ${r.boundTokensPerS.toFixed(2).padStart(14)}  ` +
          `${(100 * r.fractionOfBound).toFixed(0).padStart(7)}%  ${(c.compileMs / 1e3).toFixed(0).padStart(6)} s  ${(c.peakRssBytes / 1e9).toFixed(2)} GB = ${(c.peakRssBytes / c.weightBytes).toFixed(2)}x`,
      );
    }
  }
  return report;
}
