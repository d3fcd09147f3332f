// One MAPoRL iteration: 3 agents × 3 turns × 32 questions with `tiny`
// agents (or another preset, questions and provider: bench/gpu.ts) and a learned verifier, timed by phase — generation, verifier, rollout log-probs (policy
// and reference) and the PPO update — and the share of wall time spent outside ONNX Runtime's
// run() calls (sampling loop, tokenization, batching, copies). Target: under 15% outside run().
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../src/engine/maporl/config';
import { train } from '../src/engine/maporl/train/trainer';
import { LearnedVerifier } from '../src/engine/maporl/verifier/verifier';
import { createPresetModel } from '../src/engine/nn/model';
import type { ExecutionProvider } from '../src/engine/runtime/session';

export interface IterationBench {
  iterations: number;
  /** Median seconds per iteration, and per phase inside ORT run(). */
  seconds: { total: number; generation: number; verifier: number; logprobs: number; update: number; outsideRun: number };
  outsideRunShare: number;
  tokensPerSecond: number;
  /** The run's `runtime` events: the provider each model asked for and ran on. */
  runtime: unknown[];
}

/** preset: the agents' and the verifier's model (default tiny); questions: per iteration (default 32). */
export async function benchMaporlIteration(opts: {
  iterations: number;
  threads: number;
  preset?: string;
  questions?: number;
  executionProvider?: ExecutionProvider;
}): Promise<IterationBench> {
  const preset = opts.preset ?? 'tiny',
    questions = opts.questions ?? 32,
    executionProvider = opts.executionProvider ?? 'cpu';
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-bench-'));
  try {
    const config = parseConfig(
      {
        name: 'bench-iteration',
        seed: 1,
        task: { type: 'arith', nTrain: 512, nTest: 8 },
        agents: { count: 3, models: [preset] },
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
        runtime: { executionProvider, threads: opts.threads },
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
    const iters = events.filter((e) => e.type === 'metrics' && e.split === 'train').slice(1);
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
