// Issue 27's iteration A/B: MAPoRL iterations of the learning ladder's recipes timed in builds of
// two commits (git archive into a temporary folder, `node scripts/build.mjs` there), the runs
// alternating old/new/new/old..., all on one set of SFT'd base agents (made by the first run that
// needs them). Per run: seconds an iteration and its phases (mean of iterations 2..N: the first
// warms the sessions up), the CPU time the run took, the load before it; per recipe: the medians
// over runs, old / new, and whether the training rewards of the first iterations agree.
//
//   npm run bench -- --iteration-ab [--against=a4624b5] [--new=HEAD] [--recipes=per-agent,shared]
//     [--variants=old,new[,new-off,old-1t,new-1t]] [--pairs=3] [--iterations=8] [--threads=2] [--agreed=6]
//
// Recipes: `per-agent` (ladder rung 4: three agents, three turns, a policy each, answers only),
// `shared` (rung 3: one policy, the suite's default rows), `full-text` (rung 3 with whole previous
// responses in later prompts, its own base agents of 3300 SFT steps: minutes to make). Each run is
// `node dist/ladder.js --rung=R --iterations=N --questions=32 --eval-questions=20
// --set=task.nTrain=50000 --set=runtime.threads=T --agents=DIR`; a thread budget of two or more
// lets a per-agent run use its update workers. Not part of `npm test` (minutes per run).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { machineLoad } from './machine';

const REPO = path.join(__dirname, '..');

/** Training rewards agree when they differ by at most this much (they are printed to six digits). */
export const REWARD_TOLERANCE = 1e-6;

interface Recipe {
  rung: number;
  args: string[];
  /** The base agents' folder name: recipes with the same base recipe share them. */
  agents: string;
}

const RECIPES: Record<string, Recipe> = {
  'per-agent': { rung: 4, args: [], agents: 'answer' },
  shared: { rung: 3, args: [], agents: 'answer' },
  'full-text': { rung: 3, args: ['--show=text', '--made-up-errors=slip', '--sft-steps=3300'], agents: 'text' },
};

const PHASES = ['total', 'generation', 'logprobs', 'update', 'verifier', 'outsideRun'] as const;
type Phase = (typeof PHASES)[number];

/**
 * What runs: `old` and `new` (the two builds at the thread budget), `new-off` (the new build with
 * runtime.parallelUpdates "off": everything in the main thread), `old-1t` and `new-1t` (the builds
 * at one ORT thread, the suite's setting: no workers). Builds before 1dc959f do not repeat their
 * rewards at two threads (the embedding gradient's race, docs/performance.md), so a4624b5's
 * reference is `old-1t`. Ratios and rewards are compared with the first variant.
 */
const VARIANTS = {
  old: { build: 'old', sets: [] as string[] },
  new: { build: 'new', sets: [] as string[] },
  'new-off': { build: 'new', sets: ['--set=runtime.parallelUpdates="off"'] },
  'old-1t': { build: 'old', sets: ['--set=runtime.threads=1'] },
  'new-1t': { build: 'new', sets: ['--set=runtime.threads=1'] },
} as const;
type Variant = keyof typeof VARIANTS;

interface RunResult {
  recipe: string;
  variant: Variant;
  pair: number;
  start: string;
  /** 1-minute load average before the run, and CPU pressure (Linux). */
  load1: number;
  cpuSome10?: number;
  wallSeconds: number;
  /** User + system CPU time of the run's process tree. */
  cpuSeconds?: number;
  /** Mean seconds of iterations 2..N, by phase (the run's metrics events). */
  seconds: Record<Phase, number>;
  rewards: number[];
}

/** A commit's build in a temporary folder (reused when it is there already). */
function buildOf(ref: string): { sha: string; dir: string } {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: REPO, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `maporl-ab-${sha}`);
  if (!fs.existsSync(path.join(dir, 'dist', 'ladder.js'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', sha], { cwd: REPO, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'inherit' });
  }
  return { sha, dir };
}

/** CPU seconds (user + system) of this process's waited-for children so far (Linux: /proc/self/stat). */
function childCpuSeconds(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in ticks of 1/100 s
  } catch {
    return undefined;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runLadder(
  build: { dir: string },
  recipe: string,
  variant: Variant,
  o: { iterations: number; threads: number },
): Omit<RunResult, 'pair'> {
  const r = RECIPES[recipe];
  const tag = `ab-${recipe}-${variant}`;
  const agents = path.join(os.tmpdir(), `maporl-ab-agents-${r.agents}`);
  const args = [
    path.join(build.dir, 'dist', 'ladder.js'),
    `--rung=${r.rung}`,
    `--iterations=${o.iterations}`,
    '--questions=32',
    '--eval-questions=20',
    '--set=task.nTrain=50000',
    `--set=runtime.threads=${o.threads}`,
    `--agents=${agents}`,
    `--tag=${tag}`,
    ...r.args,
    ...VARIANTS[variant].sets, // after --set=runtime.threads: the later value wins
  ];
  const before = machineLoad();
  const cpu0 = childCpuSeconds();
  const start = new Date().toISOString();
  const t0 = performance.now();
  const p = spawnSync(process.execPath, args, { cwd: build.dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (p.status !== 0)
    throw new Error(`${variant} ${recipe} exited ${p.status}: ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu1 = childCpuSeconds();
  const events = fs
    .readFileSync(path.join(os.tmpdir(), `maporl-ladder-run-${r.rung}-0-${tag}`, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const train = events.filter((e) => e.type === 'metrics' && e.split === 'train');
  const timed = train.slice(1);
  const seconds = Object.fromEntries(PHASES.map((k) => [k, mean(timed.map((e) => e.seconds[k] as number))])) as Record<
    Phase,
    number
  >;
  return {
    recipe,
    variant,
    start,
    ...before,
    wallSeconds,
    cpuSeconds: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
    seconds,
    rewards: train.map((e) => e.reward as number),
  };
}

/** The first iteration (1-based) at which two runs' training rewards differ beyond the tolerance, or null. */
function firstDisagreement(a: number[], b: number[]): number | null {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!(Math.abs(a[i] - b[i]) <= REWARD_TOLERANCE)) return i + 1;
  return null;
}

const flag = (argv: string[], name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

export async function runIterationAB(argv: string[]): Promise<void> {
  const o = {
    against: flag(argv, 'against') ?? 'a4624b5',
    newer: flag(argv, 'new') ?? 'HEAD',
    recipes: (flag(argv, 'recipes') ?? 'per-agent,shared').split(','),
    variants: (flag(argv, 'variants') ?? 'old,new').split(',') as Variant[],
    pairs: Number(flag(argv, 'pairs') ?? 3),
    iterations: Number(flag(argv, 'iterations') ?? 8),
    threads: Number(flag(argv, 'threads') ?? 2),
    agreed: Number(flag(argv, 'agreed') ?? 6),
  };
  for (const r of o.recipes) if (!RECIPES[r]) throw new Error(`--recipes: no recipe "${r}" (${Object.keys(RECIPES).join(', ')})`);
  for (const v of o.variants)
    if (!VARIANTS[v]) throw new Error(`--variants: no variant "${v}" (${Object.keys(VARIANTS).join(', ')})`);
  const builds = { old: buildOf(o.against), new: buildOf(o.newer) };
  const say = (s: string) => console.log(s);
  say(`iteration A/B: old ${builds.old.sha}, new ${builds.new.sha}; ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores`);
  const runs: RunResult[] = [];
  for (const recipe of o.recipes) {
    for (let pair = 1; pair <= o.pairs; pair++) {
      // Alternating: old, new, ... then ..., new, old.
      for (const variant of pair % 2 ? o.variants : [...o.variants].reverse()) {
        const r = { ...runLadder(builds[VARIANTS[variant].build], recipe, variant, o), pair };
        runs.push(r);
        const s = r.seconds;
        say(
          `${recipe} pair ${pair} ${variant}: iteration ${s.total.toFixed(2)} s (generation ${s.generation.toFixed(2)}, scoring ${s.logprobs.toFixed(2)}, update ${s.update.toFixed(2)}), ` +
            `cpu ${r.cpuSeconds?.toFixed(1) ?? '?'} s, load ${r.load1.toFixed(2)}; rewards ${r.rewards
              .slice(0, o.agreed + 1)
              .map((x) => x.toFixed(6))
              .join(' ')}`,
        );
      }
    }
  }
  const summary = o.recipes.map((recipe) => {
    const of = (v: Variant) => runs.filter((r) => r.recipe === recipe && r.variant === v);
    const med = (v: Variant) =>
      Object.fromEntries(PHASES.map((k) => [k, median(of(v).map((r) => r.seconds[k]))])) as Record<Phase, number>;
    const ref = o.variants[0];
    const old = med(ref);
    return {
      recipe,
      variants: o.variants.map((v) => {
        const t = med(v);
        // Per pair: the first iteration whose training rewards differ from the reference's by more than the tolerance (null: none).
        const differFrom = of(v).map((r, i) => firstDisagreement(r.rewards, of(ref)[i].rewards));
        return { variant: v, seconds: t, speedup: old.total / t.total, rewardsDifferFrom: differFrom };
      }),
    };
  });
  say(
    `\nmedians over ${o.pairs} runs each; seconds an iteration (mean of iterations 2-${o.iterations}), by phase; ` +
      `old ${builds.old.sha}, new ${builds.new.sha}, ${o.threads} thread(s):`,
  );
  say(`| recipe | variant | iteration | generation | scoring | update | verifier | outside run() | ${o.variants[0]} / this |`);
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary)
    for (const { variant, seconds: t, speedup } of s.variants)
      say(
        `| ${s.recipe} | ${variant} | ${t.total.toFixed(2)} | ${t.generation.toFixed(2)} | ${t.logprobs.toFixed(2)} | ${t.update.toFixed(2)} | ${t.verifier.toFixed(2)} | ${t.outsideRun.toFixed(2)} | ${speedup.toFixed(2)}× |`,
      );
  say(`training rewards against ${o.variants[0]}'s, same pair, within ${REWARD_TOLERANCE}:`);
  for (const s of summary)
    for (const v of s.variants.slice(1)) {
      const agree = v.rewardsDifferFrom.every((d) => d === null || d > o.agreed);
      const where = v.rewardsDifferFrom.map((d) => (d === null ? 'none' : `iteration ${d}`)).join(', ');
      say(
        `  ${s.recipe} ${v.variant}: iterations 1-${o.agreed} ${agree ? 'agree' : 'DIFFER'} (first difference per pair: ${where})`,
      );
    }
  const file = path.join(REPO, 'bench', 'results', `issue27-iteration-ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ options: o, builds, machine: os.cpus()[0]?.model, runs, summary }, null, 2) + '\n');
  execFileSync(path.join(REPO, 'node_modules', '.bin', 'prettier'), ['--write', '--log-level=warn', file]);
  say(`wrote ${path.relative(process.cwd(), file)}`);
}
