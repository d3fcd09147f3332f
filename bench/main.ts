// `npm run bench [-- --json] [-- --quick]`: the engine's training-step speed against PyTorch eager
// on this machine. Prints the fp32 GEMM ceiling — the best 2048³ product
// measured through ORT (MLAS), OpenBLAS (NumPy) and PyTorch — then for a stack of Llama-style blocks
// (hidden 256 and 512, 4 layers, sequence 256, batch 8) the step time of our TrainStep and of the
// same model in PyTorch, their ratio, achieved GFLOP/s and the fraction of the ceiling. Steps of the
// two engines are interleaved in rounds so that load from other processes hits both alike; the
// figures are medians. The PyTorch/NumPy reference runs without OpenBLAS's pinning variables, checked
// against float64, and says which OpenBLAS core it used (bench/referenceEnv.ts, bench/torchWorker.ts).
//
// Options: --json (one JSON object on stdout), --quick (hidden 256 only, fewer steps),
// --hidden=256,512, --threads=N (default 2), --warmup=N, --rounds=N, --steps=N (per round), --no-torch.
// Then the Llama model benchmarks (bench/generation.ts, bench/sft.ts); --no-models skips them.
// Then a MAPoRL iteration by phase (bench/maporlIteration.ts) and the peak memory of a LoRA MAPoRL
// iteration against full fine-tuning at 0.5B (bench/maporlLoraRss.ts); --no-maporl skips both.
// --no-large skips every 0.5B-shape measurement (decode, LoRA step and MAPoRL memory: several GB and
// minutes each), e.g. on a shared machine; the comparisons with PyTorch all remain.
// --soak MINUTES runs the soak benchmark instead (bench/soak.ts): MAPoRL training with memory, file
// descriptors and ONNX Runtime sessions sampled every 10 s, reported as slopes per hour.
// --iteration-ab runs issue 27's A/B of MAPoRL iterations against an older build instead (bench/iterationAB.ts).
import { blockStackConfig, trainingFlops, type BlockStackConfig } from './blockStack';
import { matmulCeiling, prepareEngineStep } from './engine';
import { describeMachine, type Machine } from './machine';
import { summarize, type Timing } from './timing';
import { assertReferenceCorrect, describeReference, TorchWorker, type Float64Check, type WorkerHello } from './torchWorker';
import { benchGeneration } from './generation';
import { runIterationAB } from './iterationAB';
import { benchMaporlIteration, type IterationBench } from './maporlIteration';
import { benchMaporlLoraRss, formatMaporlLoraRss, type MaporlLoraRssBench } from './maporlLoraRss';
import { benchSft } from './sft';
import { runSoak } from './soak';

interface Options {
  json: boolean;
  hidden: number[];
  threads: number;
  warmup: number;
  rounds: number;
  steps: number;
  torch: boolean;
  ceilingN: number;
}

interface Side {
  timing: Timing;
  gflops: number;
  fractionOfCeiling: number;
  losses: number[];
}
interface StackResult {
  config: BlockStackConfig;
  params: number;
  gflopPerStep: number;
  engineCompileMs: number;
  /** The GEMM ceiling: the best of the ORT, PyTorch and NumPy samples taken between this stack's rounds (conservative). */
  ceilingGflops: number;
  /** The best sample of each backend during this stack's rounds. */
  ceilingByBackend: GemmRates;
  /** PyTorch's first step in fp32 against float64. */
  torchCheck?: Float64Check;
  engine: Side;
  torch?: Side;
  /** PyTorch step time / engine step time: above 1 means the engine is faster. */
  speedup?: number;
}

/** A 2048³ fp32 product's GFLOP/s through each library (null: not measured, e.g. no PyTorch). */
interface GemmRates {
  ort: number;
  torch: number | null;
  numpy: number | null;
}

const TARGET = { hidden: 512, speedup: 1.5, fractionOfCeiling: 0.6 };
/**
 * PyTorch eager runs this model at 50-60% of the GEMM ceiling when it has its cores. Far below, it was
 * starved (OpenBLAS's threads spin-wait when other processes take the cores: a 14x slowdown was seen
 * next to a background training run) and the speedup says nothing about the engine: not judged.
 */
const REFERENCE_FLOOR = 0.25;

function parseOptions(argv: string[]): Options {
  const o: Options = { json: false, hidden: [256, 512], threads: 2, warmup: 2, rounds: 6, steps: 1, torch: true, ceilingN: 2048 };
  for (const arg of argv) {
    const [k, v] = arg.split('=');
    const num = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`bench: ${k} needs a positive integer, got "${v ?? ''}"`);
      return n;
    };
    if (k === '--json') o.json = true;
    else if (k === '--quick') Object.assign(o, { hidden: [256], warmup: 1, rounds: 2, steps: 1, ceilingN: 1024 });
    else if (k === '--hidden') o.hidden = (v ?? '').split(',').map((h) => Number(h));
    else if (k === '--threads') o.threads = num();
    else if (k === '--rounds') o.rounds = num();
    else if (k === '--steps') o.steps = num();
    else if (k === '--warmup') o.warmup = num();
    else if (k === '--no-torch') o.torch = false;
    else if (k === '--no-models' || k === '--no-maporl' || k === '--no-large')
      continue; // read in main()
    else throw new Error(`bench: unknown option ${arg} (see bench/main.ts)`);
  }
  for (const h of o.hidden)
    if (!(h > 0 && h % 64 === 0)) throw new Error(`bench: --hidden sizes must be multiples of 64 (head size), got ${h}`);
  return o;
}

async function main(): Promise<void> {
  if (process.argv.some((a) => a === '--soak' || a.startsWith('--soak='))) return runSoak(process.argv.slice(2));
  if (process.argv.includes('--iteration-ab')) return runIterationAB(process.argv.slice(2));
  const opt = parseOptions(process.argv.slice(2));
  const log = (s: string) => {
    if (!opt.json) console.log(s);
  };
  const progress = (s: string) => process.stderr.write(`${s}\n`);
  const machine = describeMachine();

  let torch: { worker: TorchWorker; torch: string; hello: WorkerHello } | undefined;
  let torchProblem: string | undefined;
  if (opt.torch) {
    try {
      torch = await TorchWorker.start(opt.threads);
    } catch (e) {
      torchProblem = `PyTorch unavailable (${(e as Error).message}); install python3-torch and libopenblas0-pthread for the comparison`;
      progress(torchProblem);
    }
  }

  progress(`measuring the fp32 GEMM ceiling (${opt.ceilingN}^3: ORT, PyTorch, NumPy)...`);
  const probe = await matmulCeiling(opt.ceilingN, opt.threads);
  for (let i = 0; i < 2; i++) await probe.sample(); // warm-up
  if (torch) await torch.worker.request({ cmd: 'matmul', n: opt.ceilingN, warmup: 2, runs: 1 });
  const ceilingSamples: GemmRates[] = [];
  /** One product through each library, back to back, so that each sample set sees the same load. */
  const sampleCeiling = async (into: GemmRates[]) => {
    const ref =
      torch &&
      (await torch.worker.request<{ torch: number; numpy: number }>({ cmd: 'matmul', n: opt.ceilingN, warmup: 0, runs: 1 }));
    const g: GemmRates = { ort: await probe.sample(), torch: ref?.torch ?? null, numpy: ref?.numpy ?? null };
    into.push(g);
    ceilingSamples.push(g);
  };

  const stacks: StackResult[] = [];
  for (const hidden of opt.hidden) {
    const c = blockStackConfig(hidden);
    const flops = trainingFlops(c);
    progress(`hidden ${hidden}: compiling the engine's train step...`);
    const engine = await prepareEngineStep(c, opt.threads);
    let torchCheck: Float64Check | undefined;
    if (torch) {
      torchCheck = (await torch.worker.request<{ check: Float64Check }>({ cmd: 'build', stack: c })).check;
      assertReferenceCorrect(`hidden ${hidden}: PyTorch's first step`, torchCheck.relErr);
    }
    const ours: number[] = [],
      theirs: number[] = [],
      ourLosses: number[] = [],
      theirLosses: number[] = [],
      ceilingHere: GemmRates[] = [];
    for (let i = 0; i < opt.warmup; i++) await engine.step();
    if (torch) await torch.worker.request({ cmd: 'steps', n: opt.warmup });
    await sampleCeiling(ceilingHere);
    for (let r = 0; r < opt.rounds; r++) {
      progress(`hidden ${hidden}: round ${r + 1}/${opt.rounds}`);
      for (let i = 0; i < opt.steps; i++) {
        const s = await engine.step();
        ours.push(s.ms);
        ourLosses.push(s.loss);
      }
      if (torch) {
        const t = await torch.worker.request<{ samplesMs: number[]; losses: number[] }>({ cmd: 'steps', n: opt.steps });
        theirs.push(...t.samplesMs);
        theirLosses.push(...t.losses);
      }
      await sampleCeiling(ceilingHere);
    }
    const ceilingByBackend = bestRates(ceilingHere);
    const ceiling = bestOf(ceilingByBackend);
    const side = (samples: number[], losses: number[]): Side => {
      const timing = summarize(samples);
      const gflops = flops.total / (timing.medianMs / 1e3) / 1e9;
      return { timing, gflops, fractionOfCeiling: gflops / ceiling, losses };
    };
    const res: StackResult = {
      config: c,
      params: flops.params,
      gflopPerStep: flops.total / 1e9,
      engineCompileMs: engine.compileMs,
      ceilingGflops: ceiling,
      ceilingByBackend,
      torchCheck,
      engine: side(ours, ourLosses),
    };
    if (torch) {
      res.torch = side(theirs, theirLosses);
      res.speedup = res.torch.timing.medianMs / res.engine.timing.medianMs;
    }
    stacks.push(res);
  }
  await probe.release();
  await torch?.worker.close();

  // Generation and SFT of the Llama models; their text is printed after the table above.
  const modelLines: string[] = [];
  const large = !process.argv.includes('--no-large');
  const modelCtx = {
    threads: opt.threads,
    quick: process.argv.includes('--quick'),
    large,
    log: (s: string) => modelLines.push(s),
    progress,
  };
  const models = process.argv.includes('--no-models')
    ? null
    : { generation: await benchGeneration(modelCtx), sft: await benchSft(modelCtx) };

  // One MAPoRL iteration split by phase, and the share of wall time outside ORT's run().
  let maporl: IterationBench | null = null;
  let maporlRss: MaporlLoraRssBench | null = null;
  if (!process.argv.includes('--no-maporl')) {
    progress('MAPoRL iteration (3 agents x 3 turns x 32 questions, tiny agents)...');
    maporl = await benchMaporlIteration({ iterations: opt.warmup > 1 ? 3 : 2, threads: opt.threads });
    const sec = maporl.seconds;
    modelLines.push(
      '',
      `MAPoRL iteration (3 agents x 3 turns x 32 questions, tiny): ${sec.total.toFixed(2)} s — generation ${sec.generation.toFixed(2)}, verifier ${sec.verifier.toFixed(2)}, ` +
        `log-probs ${sec.logprobs.toFixed(2)}, PPO update ${sec.update.toFixed(2)}, outside run() ${sec.outsideRun.toFixed(2)} s = ${(100 * maporl.outsideRunShare).toFixed(1)}% (target < 10%)`,
    );
    // Peak memory of a LoRA MAPoRL iteration against full fine-tuning at 0.5B.
    if (large) {
      maporlRss = await benchMaporlLoraRss({ threads: opt.threads, progress });
      modelLines.push(...formatMaporlLoraRss(maporlRss));
    }
  }

  const at = stacks.find((s) => s.config.hidden === TARGET.hidden);
  const targets = at && {
    hidden: TARGET.hidden,
    speedup: at.speedup ?? null,
    speedupTarget: TARGET.speedup,
    fractionOfCeiling: at.engine.fractionOfCeiling,
    fractionTarget: TARGET.fractionOfCeiling,
    referenceOfCeiling: at.torch ? at.torch.gflops / at.ceilingGflops : null,
    met:
      at.torch && at.torch.gflops < REFERENCE_FLOOR * at.ceilingGflops
        ? null
        : (at.speedup ?? 0) >= TARGET.speedup && at.engine.fractionOfCeiling >= TARGET.fractionOfCeiling,
  };
  const ceilingBest = bestRates(ceilingSamples);
  const report = {
    date: new Date().toISOString(),
    machine: { ...machine, torch: torch?.torch ?? null, threads: opt.threads },
    reference: torch ? { ...torch.hello, description: describeReference(torch.hello) } : null,
    ceiling: { n: opt.ceilingN, gflops: bestOf(ceilingBest), byBackend: ceilingBest, samples: ceilingSamples },
    model: MODEL_DESCRIPTION,
    stacks,
    targets: targets ?? null,
    torchProblem: torchProblem ?? null,
    models,
    maporl,
    maporlRss,
  };
  if (opt.json) console.log(JSON.stringify(report, null, 2));
  else printTable(report.machine, report.reference?.description ?? null, opt, ceilingBest, stacks, targets, log);
  for (const line of modelLines) log(line);
}

const MODEL_DESCRIPTION =
  '4 Llama-style blocks (RMSNorm, multi-head causal attention with RoPE, SwiGLU MLP with intermediate = 8/3 hidden rounded to 16), ' +
  'final RMSNorm, MSE loss against a random target; no embedding or LM head; AdamW (weight decay 0.1) with global-norm clipping at 1.0; fp32; ' +
  'batch 8 x sequence 256. FLOPs = 6 x matrix params x tokens + 12 x B T^2 D per layer (attention products).';

/** The best sample of each backend. */
function bestRates(samples: GemmRates[]): GemmRates {
  const best = (xs: (number | null)[]) =>
    xs.some((x) => x !== null) ? Math.max(...xs.filter((x): x is number => x !== null)) : null;
  return {
    ort: Math.max(...samples.map((s) => s.ort)),
    torch: best(samples.map((s) => s.torch)),
    numpy: best(samples.map((s) => s.numpy)),
  };
}

/** The ceiling: the fastest library's rate. */
function bestOf(r: GemmRates): number {
  return Math.max(r.ort, r.torch ?? 0, r.numpy ?? 0);
}

function printTable(
  m: Machine & { torch: string | null; threads: number },
  reference: string | null,
  opt: Options,
  ceiling: GemmRates,
  stacks: StackResult[],
  targets:
    { speedup: number | null; fractionOfCeiling: number; referenceOfCeiling: number | null; met: boolean | null } | undefined,
  log: (s: string) => void,
): void {
  const f1 = (x: number) => x.toFixed(1);
  log(`MAPoRL Studio training benchmark, ${new Date().toISOString()}`);
  log(
    `machine: ${m.cpu} (${m.cores} cores; ${m.flags}), ${m.platform}, Node ${m.node}, onnxruntime-node ${m.onnxruntime}, torch ${m.torch ?? 'n/a'}, ${m.threads} threads each`,
  );
  const busy = m.loadAverage > 0.5 * m.cores;
  log(
    `load average at start: ${m.loadAverage.toFixed(2)}${busy ? ' (the machine is busy with other work: absolute figures are noisy, the interleaved ratio less so)' : ''}`,
  );
  log(`reference: ${reference ?? 'none (PyTorch unavailable)'}`);
  const backend = (r: GemmRates) =>
    `ORT ${f1(r.ort)}, PyTorch ${r.torch === null ? 'n/a' : f1(r.torch)}, OpenBLAS via NumPy ${r.numpy === null ? 'n/a' : f1(r.numpy)}`;
  log(
    `fp32 GEMM ceiling, ${opt.ceilingN}^3: ${f1(bestOf(ceiling))} GFLOP/s, the fastest library's best of ${opt.rounds + 1} samples a stack taken between the rounds (${backend(ceiling)})`,
  );
  log(`model: ${MODEL_DESCRIPTION}`);
  log(
    `median of ${opt.rounds * opt.steps} steps after ${opt.warmup} warm-up steps, engine and PyTorch interleaved in ${opt.rounds} rounds`,
  );
  log('');
  const head = [
    'hidden',
    'params',
    'GFLOP/step',
    'engine ms',
    'torch ms',
    'speedup',
    'engine GFLOP/s',
    'ceiling',
    'of ceiling',
    'torch GFLOP/s',
  ];
  const rows = stacks.map((s) => [
    String(s.config.hidden),
    `${(s.params / 1e6).toFixed(2)}M`,
    f1(s.gflopPerStep),
    s.engine.timing.medianMs.toFixed(0),
    s.torch ? s.torch.timing.medianMs.toFixed(0) : 'n/a',
    s.speedup ? `${s.speedup.toFixed(2)}x` : 'n/a',
    f1(s.engine.gflops),
    f1(s.ceilingGflops),
    `${(100 * s.engine.fractionOfCeiling).toFixed(0)}%`,
    s.torch ? f1(s.torch.gflops) : 'n/a',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) log(r.map((c, i) => c.padStart(widths[i])).join('  '));
  for (const s of stacks) {
    const check = s.torchCheck
      ? `; PyTorch's first step against float64: loss ${s.torchCheck.relErr.loss.toExponential(1)}, gradients ${s.torchCheck.relErr.grad.toExponential(1)} (relative)`
      : '';
    log(`hidden ${s.config.hidden}: ceiling samples' best ${backend(s.ceilingByBackend)}${check}`);
  }
  if (targets) {
    log('');
    log(
      `target at hidden ${TARGET.hidden}: speedup >= ${TARGET.speedup} and >= ${100 * TARGET.fractionOfCeiling}% of the ceiling -> ` +
        `${targets.speedup?.toFixed(2) ?? 'n/a'}x, ${(100 * targets.fractionOfCeiling).toFixed(0)}%: ` +
        (targets.met === null
          ? `NOT JUDGED: PyTorch ran at ${(100 * (targets.referenceOfCeiling ?? 0)).toFixed(0)}% of the ceiling ` +
            `(below ${100 * REFERENCE_FLOOR}%: starved by other load); measure on a quiet machine`
          : targets.met
            ? 'MET'
            : 'NOT MET'),
    );
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
