// Child process of bench/sft.ts: one LoRA SFT step on qwen2.5-0.5b-shape (random weights), built
// exactly as `maporl sft --lora-rank 8` builds it (sftStepSpec), and the process's peak resident
// memory (VmHWM) afterwards. Prints one JSON line. A fresh process, so the peak is this step's.
import { TrainStep } from '../src/engine/runtime/trainStep';
import { llamaParamShapes } from '../src/engine/nn/llama';
import { DEFAULT_LORA, initLoraWeights } from '../src/engine/nn/lora';
import { presetConfig } from '../src/engine/nn/presets';
import { collate } from '../src/engine/sft/batches';
import { sftStepSpec } from '../src/engine/sft/step';
import { processMemory } from './child';
import { fastModelWeights } from './random';

export interface LoraRssReport {
  rank: number;
  targets: string[];
  batch: number;
  seqLen: number;
  frozenAs: 'initializers' | 'inputs';
  weightBytes: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  ratio: number;
  stepMs: number;
  compileMs: number;
}

async function main(): Promise<void> {
  const threads = Number(process.argv.find((a) => a.startsWith('--threads='))?.split('=')[1] ?? 2);
  const baselineRssBytes = processMemory('VmRSS');
  const config = presetConfig('qwen2.5-0.5b-shape', 0, { bosTokenId: null, eosTokenId: null, padTokenId: null });
  const weights = fastModelWeights(llamaParamShapes(config), 7);
  const weightBytes = Object.values(weights).reduce((n, t) => n + 4 * t.data.length, 0);
  const lora = { ...DEFAULT_LORA };
  const t0 = performance.now();
  const { spec, frozenFeeds } = sftStepSpec({ config, weights }, { lora, weightDecay: 0, maxGradNorm: 1 });
  // As runSft compiles a step over a base fed as inputs (trainer.ts).
  const step = await TrainStep.compile(spec, { threads, memoryArena: Object.keys(frozenFeeds).length === 0 });
  const compileMs = performance.now() - t0;
  const state = step.initState(initLoraWeights(config, lora, 1));
  const batch = 2,
    seqLen = 128;
  const seqs = Array.from({ length: batch }, (_, b) => ({
    ids: Array.from({ length: seqLen + 1 }, (_, i) => (i * 7919 + b * 104729) % config.vocabSize),
    promptLength: 32,
  }));
  const feeds = { ...collate(seqs, 0), ...frozenFeeds };
  let stepMs = Infinity;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const r = await step.run(state, feeds, 1e-4);
    stepMs = Math.min(stepMs, performance.now() - t);
    if (r.skipped) throw new Error('the LoRA step was skipped (non-finite loss)');
  }
  const peakRssBytes = processMemory('VmHWM');
  const report: LoraRssReport = {
    rank: lora.r,
    targets: lora.targetModules as string[],
    batch,
    seqLen,
    frozenAs: Object.keys(frozenFeeds).length ? 'inputs' : 'initializers',
    weightBytes,
    baselineRssBytes,
    peakRssBytes,
    ratio: peakRssBytes / weightBytes,
    stepMs,
    compileMs,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
