// A tiny MAPoRL experiment for tests that run `maporl train` (random `tiny` agents, ground-truth
// verifier, a few seconds on one core), and ways to read what a run wrote.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TINY_CONFIG = {
  name: 'tiny-run',
  seed: 3,
  task: { type: 'arith', nTrain: 64, nTest: 8 },
  agents: { count: 2 },
  discussion: { turns: 2 },
  verifier: { type: 'ground-truth' },
  generation: { maxNewTokens: 12, temperature: 1 },
  training: { iterations: 4, questionsPerIteration: 4, samplesPerQuestion: 2, ppo: { minibatchSize: 4, epochs: 1, lr: 1e-3 } },
  eval: { questions: 4, every: 2 },
  checkpoint: { every: 1 },
};

/** Writes `dir/tiny.maporl.json`: the tiny config with `training.iterations` and `checkpoint.every` replaced. */
export function writeTinyConfig(dir: string, more: { iterations?: number; checkpointEvery?: number } = {}): string {
  const config = structuredClone(TINY_CONFIG);
  config.training.iterations = more.iterations ?? config.training.iterations;
  config.checkpoint.every = more.checkpointEvery ?? config.checkpoint.every;
  const file = path.join(dir, 'tiny.maporl.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The JSON values of a JSONL file, loosely typed (tests index into them freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const lines = (file: string): Record<string, any>[] =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** Metrics and checkpoint events without wall-clock fields, which legitimately differ between runs. */
export function comparable(events: Record<string, unknown>[]) {
  return events
    .filter((e) => e.type === 'metrics' || e.type === 'checkpoint')
    .map(({ time: _t, seconds: _s, tokensPerSecond: _p, ...rest }) => rest);
}
