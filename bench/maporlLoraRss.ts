// Peak memory of one MAPoRL iteration with LoRA against full fine-tuning (training.lora wired into MAPoRL), at
// the `qwen2.5-0.5b-shape` preset (random weights): one question, one agent, one turn, a few new
// tokens — generation, rollout scoring (policy, reference, values) and a PPO update of one policy
// with a shared-trunk value head, built as `maporl train` builds them (Policy, ppoUpdate). Each
// mode runs in a fresh child process, so its peak resident memory (VmHWM) is its own.
//   LoRA:  r 8 on q/k/v/o_proj (training.lora's defaults); the base is frozen, fed from one host
//          copy (past 512 MiB), and is also the reference.
//   full:  every weight trained: the policy's copy, AdamW's two moments, the step's new values,
//          and the base kept as the reference.
// Usage (child): node --import tsx bench/maporlLoraRss.ts --mode=lora|full [--preset=P] [--threads=N]
import { readFileSync, writeFileSync } from 'node:fs';
import { BUILTIN_SPECIAL_IDS, builtinTokenizer } from '../src/engine/io/builtinTokenizer';
import { Policy } from '../src/engine/maporl/ppo/policy';
import { ppoUpdate } from '../src/engine/maporl/ppo/ppoUpdate';
import { llamaParamShapes } from '../src/engine/nn/llama';
import { presetConfig } from '../src/engine/nn/presets';
import type { ExecutionProvider } from '../src/engine/runtime/session';
import { LoraSchema, PpoSchema } from '../src/protocol/configSchema';
import { processMemory, runBenchChild } from './child';
import { fastModelWeights } from './random';

export interface MaporlRssReport {
  mode: 'lora' | 'full';
  preset: string;
  newTokens: number;
  weightBytes: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  /** Peak RSS over the weights' size. */
  ratio: number;
  compileMs: number;
  iterationMs: number;
}

export interface MaporlLoraRssBench {
  lora: MaporlRssReport | { error: string };
  full: MaporlRssReport | { error: string; skipped?: boolean };
}

/** Full fine-tuning peaks near this many times the weights (9.4x measured at smollm2-135m-shape); skip it on a smaller machine. */
const FULL_FT_RATIO_GUESS = 9.5;

export async function benchMaporlLoraRss(ctx: { threads: number; progress: (s: string) => void }): Promise<MaporlLoraRssBench> {
  const run = async (mode: 'lora' | 'full') => {
    try {
      return await runBenchChild<MaporlRssReport>('maporlLoraRss.ts', [`--mode=${mode}`, `--threads=${ctx.threads}`]);
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  ctx.progress('MAPoRL iteration memory, LoRA (qwen2.5-0.5b-shape) in a child process...');
  const lora = await run('lora');
  const need = FULL_FT_RATIO_GUESS * ('weightBytes' in lora ? lora.weightBytes : 1.98e9);
  const available = memAvailable();
  if (available < need) {
    return {
      lora,
      full: {
        skipped: true,
        error: `skipped: full fine-tuning needs about ${(need / 2 ** 30).toFixed(0)} GiB, ${(available / 2 ** 30).toFixed(1)} GiB available`,
      },
    };
  }
  ctx.progress('MAPoRL iteration memory, full fine-tuning (qwen2.5-0.5b-shape) in a child process...');
  return { lora, full: await run('full') };
}

export function formatMaporlLoraRss(r: MaporlLoraRssBench): string[] {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const row = (x: MaporlRssReport | { error: string }) =>
    'error' in x
      ? x.error
      : `peak RSS ${gib(x.peakRssBytes)} = ${x.ratio.toFixed(2)}x the weights (${gib(x.weightBytes)}), iteration ${(x.iterationMs / 1000).toFixed(1)} s after ${(x.compileMs / 1000).toFixed(1)} s of compilation`;
  return [
    '',
    'MAPoRL iteration memory (qwen2.5-0.5b-shape, 1 question x 1 agent x 1 turn, one policy, fresh process each):',
    `  LoRA r 8 (q/k/v/o):  ${row(r.lora)}`,
    `  full fine-tuning:    ${row(r.full)}`,
  ];
}

function memAvailable(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : Infinity;
}

async function child(): Promise<void> {
  // A memory benchmark on a shared machine: if memory runs out, let the kernel kill this process first.
  try {
    writeFileSync('/proc/self/oom_score_adj', '1000');
  } catch {
    /* not Linux, or not allowed: measure anyway */
  }
  const arg = (k: string, d: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
  const report = await maporlPolicyIteration({
    mode: arg('mode', 'lora') as 'lora' | 'full',
    preset: arg('preset', 'qwen2.5-0.5b-shape'),
    threads: Number(arg('threads', '2')),
  });
  process.stdout.write(JSON.stringify(report) + '\n');
}

/**
 * The iteration above in this process: policy creation (compileMs), then generation, one PPO update
 * and the next generation (iterationMs). Peak RSS is this process's, so call it in a fresh one.
 */
export async function maporlPolicyIteration(o: {
  mode: 'lora' | 'full';
  preset: string;
  threads: number;
  executionProvider?: ExecutionProvider;
}): Promise<MaporlRssReport> {
  const { mode, preset, threads } = o;
  const newTokens = 8;
  const baselineRssBytes = processMemory('VmRSS');
  const builtin = builtinTokenizer();
  // The shape presets' vocabularies (151936) are larger than the built-in tokenizer's: decode
  // sampled ids modulo its size (the text is never read here).
  const tokenizer: typeof builtin = Object.create(builtin);
  tokenizer.decode = (ids, o) =>
    builtin.decode(
      ids.map((i) => i % builtin.vocabSize),
      o,
    );
  const config = presetConfig(preset, tokenizer.vocabSize, {
    bosTokenId: BUILTIN_SPECIAL_IDS.bos,
    eosTokenId: BUILTIN_SPECIAL_IDS.eos,
    padTokenId: BUILTIN_SPECIAL_IDS.pad,
  });
  const weights = fastModelWeights(llamaParamShapes(config), 7);
  const weightBytes = Object.values(weights).reduce((n, t) => n + 4 * t.data.length, 0);
  const l = LoraSchema.parse({});
  const lora = mode === 'lora' ? { r: l.rank, alpha: l.alpha, dropout: l.dropout, targetModules: l.targetModules } : undefined;
  const ppo = PpoSchema.parse({ advantage: 'gae', critic: 'shared-trunk', epochs: 1, minibatchSize: 1 });
  const t0 = performance.now();
  const policy = await Policy.create(
    'policy-0',
    { config, weights, tokenizer },
    { clipRange: ppo.clipRange, vfClip: ppo.vfClip, vfCoef: ppo.vfCoef, maxGradNorm: ppo.maxGradNorm, critic: true },
    { threads, executionProvider: o.executionProvider ?? 'cpu' },
    0.7,
    { lora, seed: 1 },
  );
  const compileMs = performance.now() - t0;
  const prompt = [
    BUILTIN_SPECIAL_IDS.bos,
    ...tokenizer.encode('Tom has 3 pens. Ann gives Tom 2. How many pens now?\nA:', { addSpecialTokens: false }),
  ];
  const t1 = performance.now();
  const gen = { maxNewTokens: newTokens, temperature: 0.7, topK: 0, topP: 1 };
  const [g] = await policy.lm.generate([prompt], { ...gen, seed: 1 });
  const stats = await ppoUpdate([{ policy, prompt, response: g.tokens, reward: 1, turn: 0, agent: 0, question: 0 }], ppo, 1);
  if (stats.skippedSteps) throw new Error('the PPO step was skipped (non-finite loss)');
  await policy.lm.generate([prompt], { ...gen, seed: 2 }); // the next iteration's sampling (LoRA: after the merge)
  const iterationMs = performance.now() - t1;
  const peakRssBytes = processMemory('VmHWM');
  return {
    mode,
    preset,
    newTokens,
    weightBytes,
    baselineRssBytes,
    peakRssBytes,
    ratio: peakRssBytes / weightBytes,
    compileMs,
    iterationMs,
  };
}

// Only as the child script itself: bundled into dist/bench.js, `require.main === module` holds for the bench too.
if (require.main === module && /maporlLoraRss\.ts$/.test(process.argv[1] ?? '')) {
  child().catch((e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
