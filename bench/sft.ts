// SFT speed and memory:
//  1. `small` preset, one full fine-tuning step (forward, completion-token loss, backward, clipping,
//     AdamW) of a 16-sequence batch of the arithmetic SFT data, against PyTorch eager doing the same
//     on the same weights and batch (test/reference/llama_bench.py); interleaved rounds, medians.
//     Target: step time ratio >= 1.0.
//  2. `qwen2.5-0.5b-shape`: peak RSS of a LoRA training step (r 8 on q_proj/v_proj, as PEFT's
//     default) in a fresh child process (bench/loraRss.ts), against the weights' size. Target <= 2.5x.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTensor } from '../src/engine/core/hostTensor';
import { TrainStep } from '../src/engine/runtime/trainStep';
import { sftRecords } from '../src/engine/maporl/base/sftData';
import { createPresetModel, saveModel } from '../src/engine/nn/model';
import { collate } from '../src/engine/sft/batches';
import { sftStepSpec } from '../src/engine/sft/step';
import { padTokenId, sftExampleTokens } from '../src/engine/prompts/tokens';
import { runBenchChild } from './child';
import { COMPARE_THREADS, LLAMA_WORKER, median, type BenchContext } from './generation';
import type { LoraRssReport } from './loraRss';
import { assertReferenceCorrect, describeReference, TorchWorker, type Float64Check } from './torchWorker';

export interface SftReport {
  small: {
    batch: number;
    tokens: number;
    engineMs: number;
    torchMs: number | null;
    speedup: number | null;
    /** |first loss of ours - PyTorch's|: the two compute the same thing */
    firstLossDiff: number | null;
    target: { speedup: number; met: boolean | null };
    /** The PyTorch reference's kernels and its fp32-vs-float64 check on the model, or null without PyTorch. */
    reference: { description: string; check: Float64Check } | null;
  };
  loraRss: (LoraRssReport & { target: { ratio: number; met: boolean } }) | { error: string } | null;
}

const TARGET = { speedup: 1.0, rssRatio: 2.5 };

export async function benchSft(ctx: BenchContext): Promise<SftReport> {
  const small = await benchSmallStep(ctx);
  let loraRss: SftReport['loraRss'] = null;
  if (ctx.large) {
    ctx.progress('LoRA step memory (qwen2.5-0.5b-shape) in a child process...');
    try {
      const r = await runBenchChild<LoraRssReport>('loraRss.ts', [`--threads=${ctx.threads}`]);
      loraRss = { ...r, target: { ratio: TARGET.rssRatio, met: r.ratio <= TARGET.rssRatio } };
    } catch (e) {
      loraRss = { error: (e as Error).message };
    }
  }
  printSft(ctx, small, loraRss);
  return { small, loraRss };
}

async function benchSmallStep(ctx: BenchContext): Promise<SftReport['small']> {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-bench-sft-'));
  try {
    const model = await createPresetModel('small', 2);
    await saveModel(join(dir, 'small'), model, { tokenizerFiles: model.tokenizerFiles });
    const seqs = sftRecords('arith', 'train', 16, 3).map((r) => sftExampleTokens(model.tokenizer, r));
    const batch = collate(seqs, padTokenId(model.tokenizer));
    const opts = { lr: 1e-4, weightDecay: 0, maxGradNorm: 1 };
    ctx.progress('SFT step (small): compiling');
    const { spec } = sftStepSpec(model, opts);
    const step = await TrainStep.compile(spec, { threads: COMPARE_THREADS });
    const state = step.initState(model.weights);
    let torch: TorchWorker | undefined;
    let reference: SftReport['small']['reference'] = null;
    try {
      const started = await TorchWorker.start(COMPARE_THREADS, LLAMA_WORKER);
      torch = started.worker;
      const { check } = await torch.request<{ check: Float64Check }>({ cmd: 'load', modelDir: join(dir, 'small') });
      assertReferenceCorrect('SFT: the PyTorch model', check.relErr);
      reference = { description: describeReference(started.hello), check };
      await torch.request({ cmd: 'sft_init', ...opts });
    } catch (e) {
      await torch?.close();
      torch = undefined;
      ctx.progress(`SFT step: PyTorch unavailable (${(e as Error).message}); engine numbers only`);
    }
    const plain = Object.fromEntries(
      Object.entries(batch).map(([k, t]) => [
        k,
        { shape: t.shape, data: Array.from(t.data as ArrayLike<number | bigint>, Number) },
      ]),
    );
    const ours: number[] = [],
      theirs: number[] = [];
    let firstLossDiff: number | null = null;
    const rounds = ctx.quick ? 2 : 4,
      perRound = ctx.quick ? 2 : 3;
    for (let r = 0; r <= rounds; r++) {
      // round 0: warm-up (and the first-loss check)
      ctx.progress(`SFT step (small): round ${r}/${rounds}`);
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        const res = await step.run(state, batch as Record<string, HostTensor>, opts.lr);
        const ms = performance.now() - t0;
        if (r > 0) ours.push(ms);
        if (r === 0 && i === 0) firstLossDiff = res.loss;
      }
      const t =
        torch &&
        (await torch.request<{ samplesMs: number[]; losses: number[] }>({ cmd: 'sft_steps', batch: plain, n: perRound }));
      if (t && r > 0) theirs.push(...t.samplesMs);
      if (t && r === 0 && firstLossDiff !== null) firstLossDiff = Math.abs(firstLossDiff - t.losses[0]);
    }
    await torch?.close();
    const engineMs = median(ours);
    const torchMs = theirs.length ? median(theirs) : null;
    const speedup = torchMs ? torchMs / engineMs : null;
    const tokens = seqs.reduce((n, s) => n + s.ids.length, 0);
    return {
      batch: seqs.length,
      tokens,
      engineMs,
      torchMs,
      speedup,
      firstLossDiff: torch ? firstLossDiff : null,
      target: { speedup: TARGET.speedup, met: speedup === null ? null : speedup >= TARGET.speedup },
      reference,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSft(ctx: BenchContext, s: SftReport['small'], m: SftReport['loraRss']): void {
  ctx.log('');
  ctx.log(
    `SFT step, \`small\` preset, full fine-tuning (AdamW, clipping), ${s.batch} sequences / ${s.tokens} tokens of arithmetic SFT data, ${COMPARE_THREADS} thread each, median:`,
  );
  ctx.log(
    `  engine ${s.engineMs.toFixed(0)} ms, PyTorch eager ${s.torchMs?.toFixed(0) ?? 'n/a'} ms -> ${s.speedup ? `${s.speedup.toFixed(2)}x` : 'n/a'}` +
      ` (first-step loss difference ${s.firstLossDiff?.toExponential(1) ?? 'n/a'}); target >= ${s.target.speedup}x: ${s.target.met === null ? 'n/a' : s.target.met ? 'MET' : 'NOT MET'}`,
  );
  if (s.reference)
    ctx.log(
      `  reference: ${s.reference.description}; fp32 against float64: loss ${s.reference.check.relErr.loss.toExponential(1)}, gradients ${s.reference.check.relErr.grad.toExponential(1)}`,
    );
  if (m === null) return;
  ctx.log('');
  if ('error' in m) {
    ctx.log(`LoRA step peak RSS (qwen2.5-0.5b-shape): failed: ${m.error}`);
    return;
  }
  ctx.log(
    `LoRA step, qwen2.5-0.5b-shape (r ${m.rank} on ${m.targets.join(', ')}, batch ${m.batch} x ${m.seqLen} tokens, base fed as ${m.frozenAs}):`,
  );
  ctx.log(
    `  weights ${(m.weightBytes / 1e9).toFixed(2)} GB, peak RSS ${(m.peakRssBytes / 1e9).toFixed(2)} GB = ${m.ratio.toFixed(2)}x the weights` +
      ` (process baseline ${(m.baselineRssBytes / 1e9).toFixed(2)} GB); step ${m.stepMs.toFixed(0)} ms, compile ${(m.compileMs / 1e3).toFixed(0)} s;` +
      ` target <= ${m.target.ratio}x: ${m.target.met ? 'MET' : 'NOT MET'}`,
  );
}
