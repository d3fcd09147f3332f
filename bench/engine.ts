// Our side of the benchmark: the MatMul ceiling through ORT and the block stack's TrainStep.
import { Graph } from '../src/engine/graph/graph';
import * as F from '../src/engine/graph/ops';
import { serialize } from '../src/engine/graph/serialize';
import { TrainStep } from '../src/engine/runtime/trainStep';
import { Session, type RuntimeOptions } from '../src/engine/runtime/session';
import { blockStackSpec, initParams, randomBatch, type BlockStackConfig } from './blockStack';
import { uniformF32 } from './random';

export interface CeilingProbe {
  n: number;
  /** GFLOP/s of one n x n x n MatMul run now. */
  sample(): Promise<number>;
  release(): Promise<void>;
}

/**
 * The practical fp32 ceiling: one large MatMul through ORT. Sampled between the benchmark's rounds
 * so that it sees the same machine load as the steps it is compared with.
 */
export async function matmulCeiling(n: number, threads: number): Promise<CeilingProbe> {
  const g = new Graph('matmul_ceiling');
  const a = g.input('a', 'float32', [n, n]);
  const b = g.input('b', 'float32', [n, n]);
  g.output('c', F.matmul(a, b));
  const s = await Session.create(serialize(g), { threads });
  const feeds = {
    a: { dtype: 'float32' as const, shape: [n, n], data: uniformF32(1, 'a', n * n, 1) },
    b: { dtype: 'float32' as const, shape: [n, n], data: uniformF32(1, 'b', n * n, 1) },
  };
  return {
    n,
    async sample() {
      const t = performance.now();
      await s.run(feeds);
      return (2 * n ** 3) / ((performance.now() - t) / 1e3) / 1e9;
    },
    release: () => s.release(),
  };
}

export interface EngineStepper {
  compileMs: number;
  /** One whole optimizer step (host round trip included): its wall time and loss. */
  step(): Promise<{ ms: number; loss: number }>;
}

/** Compiles the block stack's TrainStep with fresh weights and a fixed batch. */
export async function prepareEngineStep(
  c: BlockStackConfig,
  threads: number,
  runtime: RuntimeOptions = {},
): Promise<EngineStepper> {
  const t0 = performance.now();
  const trainStep = await TrainStep.compile(blockStackSpec(c), { threads, ...runtime });
  const compileMs = performance.now() - t0;
  const state = trainStep.initState(initParams(c));
  const batch = randomBatch(c);
  return {
    compileMs,
    async step() {
      const t = performance.now();
      const r = await trainStep.run(state, batch, 1e-3);
      const ms = performance.now() - t;
      if (r.skipped) throw new Error(`bench: the step was skipped (loss ${r.loss}, gradient norm ${r.gradNorm})`);
      return { ms, loss: r.loss };
    },
  };
}
