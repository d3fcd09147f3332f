// One MAPoRL iteration: 3 agents × 3 turns × 32 questions with `tiny`
// agents (or another preset, questions and provider: bench/gpu.ts) and a learned verifier, timed by phase — generation, verifier, rollout log-probs (policy
// and reference) and the PPO update — and the share of wall time spent outside ONNX Runtime's
// run() calls (sampling loop, tokenization, batching, copies). Target: under 15% outside run().
// Answer-only discussion (`discussion.show` "answer", the default: the suite's rows).
//
// Run as a script (issue 27), it compares builds and settings in one script, each run in a child
// process of its own, alternating, and writes the raw results to bench/results/:
//   node --import tsx bench/maporlIteration.ts --against=a4624b5 [--sharing=per-agent] [--pairs=3]
//     [--iterations=3] [--threads=0]: this tree against a commit's (git archive into a temporary
//     folder, run from its source through tsx); with --parallel=off,auto the settings of this tree instead.
//   node --import tsx bench/maporlIteration.ts --updates [--rounds=8] [--threads=0] [--preset=tiny]: ppoUpdate alone,
//     per-agent policies updating in worker threads against the main thread, in one process.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig, type MaporlConfig } from '../src/engine/maporl/config';
import { ppoUpdate, type Rollout } from '../src/engine/maporl/ppo/ppoUpdate';
import { Team, updateWorkerThreads, type ResolvedModel } from '../src/engine/maporl/ppo/team';
import { train } from '../src/engine/maporl/train/trainer';
import { LearnedVerifier } from '../src/engine/maporl/verifier/verifier';
import { createPresetModel } from '../src/engine/nn/model';
import type { ExecutionProvider } from '../src/engine/runtime/session';
import { machineLoad } from './machine';

export interface IterationBench {
  iterations: number;
  /** Median seconds per iteration, and per phase inside ORT run(). */
  seconds: { total: number; generation: number; verifier: number; logprobs: number; update: number; outsideRun: number };
  outsideRunShare: number;
  tokensPerSecond: number;
  /** The run's `runtime` events: the provider each model asked for and ran on. */
  runtime: unknown[];
  /** The training reward, KL and policy loss of every iteration, the first included: same seeds, same results. */
  rewards: number[];
  kl: number[];
  policyLoss: number[];
}

interface IterationOptions {
  iterations: number;
  threads: number;
  preset?: string;
  questions?: number;
  executionProvider?: ExecutionProvider;
  /** agents.policySharing (default shared). */
  policySharing?: MaporlConfig['agents']['policySharing'];
  /** runtime.parallelUpdates; left out, the config has none (a commit from before the setting reads the same config). */
  parallelUpdates?: 'auto' | 'off';
}

/** The engine a benchmark runs: this tree's, or a commit's from its source (compareIterations). */
interface Engine {
  parseConfig: (value: unknown, file: string) => MaporlConfig;
  train: typeof train;
}

/** preset: the agents' and the verifier's model (default tiny); questions: per iteration (default 32). */
export async function benchMaporlIteration(
  opts: IterationOptions,
  engine: Engine = { parseConfig, train },
): Promise<IterationBench> {
  const preset = opts.preset ?? 'tiny',
    questions = opts.questions ?? 32,
    executionProvider = opts.executionProvider ?? 'cpu';
  const { parseConfig, train } = engine;
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-bench-'));
  try {
    const config = parseConfig(
      {
        name: 'bench-iteration',
        seed: 1,
        task: { type: 'arith', nTrain: 512, nTest: 8 },
        agents: { count: 3, models: [preset], policySharing: opts.policySharing ?? 'shared' },
        discussion: { turns: 3 },
        generation: { maxNewTokens: 48, temperature: 1 },
        verifier: { type: 'learned', model: preset, trainSamples: 64, epochs: 1, batchSize: 16 },
        training: {
          mode: 'maporl',
          iterations: opts.iterations + 1,
          questionsPerIteration: questions,
          ppo: { epochs: 1, minibatchSize: 16 },
        },
        eval: { every: 0, questions: 8 },
        checkpoint: { every: 0 },
        runtime: {
          executionProvider,
          threads: opts.threads,
          ...(opts.parallelUpdates && { parallelUpdates: opts.parallelUpdates }),
        },
      },
      'bench config',
    );
    // Random `tiny` agents: answers are wrong, which changes nothing about the cost of an iteration.
    // The learned verifier is trained on its few balanced samples or, if there are none, the run
    // fails early: fall back to the ground-truth verifier then and say so.
    const out = path.join(dir, 'run');
    try {
      await train({ config, baseDir: dir, out });
    } catch {
      fs.rmSync(out, { recursive: true, force: true });
      await train({ config: { ...config, verifier: { ...config.verifier, type: 'ground-truth' } }, baseDir: dir, out });
    }
    // With the ground-truth fallback the verifier costs nothing in the run: time a learned
    // verifier on the same number of responses (questions × agents × turns) separately.
    const verifierSeconds = await timeVerifier(questions * 3 * 3, opts.threads, preset, executionProvider);
    const events = fs
      .readFileSync(path.join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The first iteration warms up the sessions; the rest are measured.
    const trainMetrics = events.filter((e) => e.type === 'metrics' && e.split === 'train');
    const iters = trainMetrics.slice(1);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const pick = (k: string) => med(iters.map((e) => e.seconds[k] as number));
    const verifier = Math.max(pick('verifier'), pick('verifier') > 0 ? 0 : verifierSeconds);
    const extra = verifier - pick('verifier');
    const seconds = {
      total: pick('total') + extra,
      generation: pick('generation'),
      verifier,
      logprobs: pick('logprobs'),
      update: pick('update'),
      outsideRun: pick('outsideRun'),
    };
    return {
      iterations: iters.length,
      seconds,
      outsideRunShare: seconds.outsideRun / seconds.total,
      tokensPerSecond: med(iters.map((e) => e.tokensPerSecond)),
      runtime: events.filter((e) => e.type === 'runtime'),
      rewards: trainMetrics.map((e) => e.reward as number),
      kl: trainMetrics.map((e) => e.kl as number),
      policyLoss: trainMetrics.map((e) => e.policyLoss as number),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timeVerifier(
  responses: number,
  threads: number,
  preset: string,
  executionProvider: ExecutionProvider,
): Promise<number> {
  const base = await createPresetModel(preset, 2);
  const v = LearnedVerifier.fromBase(base, { executionProvider, threads });
  const pairs = Array.from({ length: responses }, (_, i) => ({
    question: `Tom has ${i} pens. Ann gives Tom 3. How many pens now?`,
    response: `${i}+3=${i + 3}. Answer: ${i + 3}`,
  }));
  await v.score(pairs.slice(0, 8)); // warm-up (session creation)
  const before = v.timing.runMs;
  await v.score(pairs);
  await v.release();
  return (v.timing.runMs - before) / 1000;
}

// ---- issue 27: builds and settings compared in one script ---------------------------------------

const RESULTS_DIR = path.join(__dirname, 'results');

interface Variant {
  label: string;
  /** Source tree to run (this one: the repository root). */
  root: string;
  parallelUpdates?: 'auto' | 'off';
}

/** A commit's source tree in a temporary folder (git archive), with this tree's node_modules. */
function checkoutCommit(commit: string): string {
  const dir = path.join(tmpdir(), `maporl-${commit}`);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', commit], { cwd: path.join(__dirname, '..'), maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(dir, 'node_modules'));
  }
  return dir;
}

/** The trainer and config parser of a source tree (the trainer moved to train/ after a4624b5). */
async function engineOf(root: string): Promise<Engine> {
  const trainer = ['src/engine/maporl/train/trainer.ts', 'src/engine/maporl/trainer.ts'].find((f) =>
    fs.existsSync(path.join(root, f)),
  )!;
  const [config, t] = await Promise.all([
    import(path.join(root, 'src/engine/maporl/config.ts')),
    import(path.join(root, trainer)),
  ]);
  return { parseConfig: config.parseConfig, train: t.train };
}

/** One iteration benchmark of a variant, in a child process of its own. */
function runVariant(v: Variant, o: IterationOptions): IterationBench & { wallSeconds: number; cpuSeconds: number } {
  const args = [
    '--import',
    'tsx',
    __filename,
    '--child',
    `--root=${v.root}`,
    `--options=${JSON.stringify({ ...o, parallelUpdates: v.parallelUpdates })}`,
  ];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: v.root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${v.label} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ...out, wallSeconds: (performance.now() - t0) / 1000 };
}

/** Variants alternating, `pairs` rounds; the median iteration of each run and their ratio to the first variant. */
function compareIterations(variants: Variant[], o: IterationOptions, pairs: number): void {
  const runs: Record<string, unknown>[] = [];
  for (let p = 0; p < pairs; p++) {
    for (const v of p % 2 === 0 ? variants : [...variants].reverse()) {
      const before = machineLoad();
      const r = runVariant(v, o);
      const row = {
        pair: p + 1,
        variant: v.label,
        start: new Date().toISOString(),
        loadBefore: before,
        loadAfter: machineLoad(),
        ...r,
      };
      runs.push(row);
      console.error(
        `pair ${p + 1} ${v.label}: iteration ${r.seconds.total.toFixed(2)} s, update ${r.seconds.update.toFixed(2)} s, ` +
          `cpu ${r.cpuSeconds.toFixed(1)} s, load ${before.load1.toFixed(2)}, rewards ${r.rewards.map((x) => x.toFixed(6)).join(' ')}, ` +
          `kl ${r.kl.map((x) => x.toPrecision(6)).join(' ')}, policy loss ${r.policyLoss.map((x) => x.toPrecision(6)).join(' ')}`,
      );
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const of = (label: string, k: 'total' | 'update') =>
    med(runs.filter((r) => r.variant === label).map((r) => (r.seconds as IterationBench['seconds'])[k]));
  const summary = variants.map((v) => ({
    variant: v.label,
    iteration: of(v.label, 'total'),
    update: of(v.label, 'update'),
    speedup: of(variants[0].label, 'total') / of(v.label, 'total'),
    updateSpeedup: of(variants[0].label, 'update') / of(v.label, 'update'),
  }));
  console.log(JSON.stringify(summary));
  writeResults('iterations', { options: o, variants, machine: machine(), runs, summary });
}

function machine() {
  return { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), node: process.version, loadavg: os.loadavg() };
}

function writeResults(kind: string, value: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `issue27-${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  // In the layout `npm run lint` checks (prettier), so that the file can be committed as written.
  execFileSync(path.join(__dirname, '..', 'node_modules', '.bin', 'prettier'), ['--write', '--log-level=warn', file]);
  console.error(`wrote ${path.relative(process.cwd(), file)}`);
}

/**
 * ppoUpdate alone, in one process: two per-agent teams of `preset` policies from the same bases, one
 * updating in worker threads and one in the main thread, on the same answer-only-sized rollouts (32
 * questions × 3 agents × 3 turns; prompts of 50 tokens in turn 1 and 80 later, responses of 18),
 * the bench config's PPO settings; the two alternate, round by round, and each update's wall time
 * is taken, and so are each team's creation time and memory.
 */
async function benchUpdates(rounds: number, threads: number, preset: string): Promise<void> {
  const base = await createPresetModel(preset, 2);
  const bases: ResolvedModel[] = [0, 1, 2].map(() => ({
    model: base,
    tokenizer: {},
    label: 'tiny',
    source: { preset: 'tiny', seed: 2 },
  }));
  const config = (parallelUpdates: 'auto' | 'off') =>
    parseConfig(
      {
        agents: { count: 3, models: ['tiny'], policySharing: 'per-agent' },
        training: { ppo: { epochs: 1, minibatchSize: 16 } },
        runtime: { executionProvider: 'cpu', threads, parallelUpdates },
      },
      'bench',
    );
  const runtime = { executionProvider: 'cpu' as const, threads };
  // Each team as Team.create makes it ("off": the steps compiled in this thread; "auto": in the
  // workers), timed, with what it added to the process's resident memory; "off" first, so that it
  // also pays for the warm-up (modules, first graphs).
  const made = async (mode: 'auto' | 'off') => {
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    const team = await Team.create(config(mode), bases, runtime);
    return { team, ms: performance.now() - t, rssMiB: (process.memoryUsage().rss - rss) / 2 ** 20 };
  };
  const off = await made('off');
  const auto = await made('auto');
  const [main, workers] = [off.team, auto.team];
  if (!workers.policies.every((p) => p.updatesInWorker))
    throw new Error('no update workers at this thread budget: pass --threads=2 or more, or run on 2+ cores');
  const rolloutsOf = (team: Team, seed: number): Rollout[] => {
    let x = seed;
    const tok = () => 3 + ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % (base.config.vocabSize - 3));
    return Array.from({ length: 32 * 3 * 3 }, (_, i) => {
      const [q, t, a] = [Math.floor(i / 9), Math.floor(i / 3) % 3, i % 3];
      return {
        policy: team.policyOf(a, t),
        prompt: [1, ...Array.from({ length: t === 0 ? 49 : 79 }, tok)],
        response: Array.from({ length: 18 }, tok),
        reward: (tok() % 100) / 100,
        turn: t,
        agent: a,
        question: q,
      };
    });
  };
  const times: { round: number; variant: string; ms: number; load1: number; policyLoss: number }[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [label, team] of (r % 2
        ? [
            ['workers', workers],
            ['main', main],
          ]
        : [
            ['main', main],
            ['workers', workers],
          ]) as [string, Team][]) {
        const rs = rolloutsOf(team, r + 1);
        const s = performance.now();
        const stats = await ppoUpdate(rs, config('auto').training.ppo, r);
        times.push({ round: r, variant: label, ms: performance.now() - s, load1: os.loadavg()[0], policyLoss: stats.policyLoss });
        console.error(
          `round ${r} ${label}: ${(performance.now() - s).toFixed(0)} ms (policy loss ${stats.policyLoss.toFixed(6)}), load ${os.loadavg()[0].toFixed(2)}`,
        );
      }
    }
  } finally {
    await Promise.all([main.release(), workers.release()]);
  }
  const med = (label: string) => {
    const xs = times
      .filter((t) => t.variant === label && t.round > 0)
      .map((t) => t.ms)
      .sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  const summary = {
    preset,
    threads,
    workerThreads: updateWorkerThreads(workers.policies, runtime, 'auto'),
    /** Team.create's wall time and what the team added to the process's resident memory. */
    teamCreateMs: { main: off.ms, workers: auto.ms },
    teamRssMiB: { main: off.rssMiB, workers: auto.rssMiB },
    medianUpdateMs: { main: med('main'), workers: med('workers') },
    speedup: med('main') / med('workers'),
  };
  console.log(JSON.stringify(summary));
  writeResults('updates', { machine: machine(), summary, times });
}

/** The flag --name=value of this script's command line. */
const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const root = flag('root')!;
    const o = JSON.parse(flag('options')!) as IterationOptions;
    const r = await benchMaporlIteration(o, await engineOf(root));
    const u = process.cpuUsage();
    console.log(JSON.stringify({ ...r, cpuSeconds: (u.user + u.system) / 1e6 }));
    return;
  }
  const threads = Number(flag('threads') ?? 0);
  if (process.argv.includes('--updates')) return benchUpdates(Number(flag('rounds') ?? 8), threads, flag('preset') ?? 'tiny');
  const here = path.join(__dirname, '..');
  const against = flag('against');
  const parallel = flag('parallel')?.split(',') as ('auto' | 'off')[] | undefined;
  const variants: Variant[] = against
    ? [
        { label: against, root: checkoutCommit(against) },
        { label: 'this tree', root: here },
      ]
    : (parallel ?? ['off', 'auto']).map((p) => ({ label: `parallelUpdates ${p}`, root: here, parallelUpdates: p }));
  const options: IterationOptions = {
    iterations: Number(flag('iterations') ?? 3),
    threads,
    policySharing: (flag('sharing') ?? 'per-agent') as IterationOptions['policySharing'],
  };
  compareIterations(variants, options, Number(flag('pairs') ?? 3));
}

if (process.argv[1]?.endsWith(path.join('bench', 'maporlIteration.ts')))
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
