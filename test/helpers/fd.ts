// Central finite differences in float64 against the graph's own VJP rules.
import assert from 'node:assert/strict';
import { dataOf, type HostTensor } from '../../src/engine/core/hostTensor';
import { grad } from '../../src/engine/graph/autodiff';
import { Graph, type Tensor } from '../../src/engine/graph/graph';
import * as F from '../../src/engine/graph/ops';
import { serialize } from '../../src/engine/graph/serialize';
import { Session } from '../../src/engine/runtime/session';
import { rng, uniform } from './rng';

export interface InputSpec {
  shape: number[];
  /** Value range for float inputs (defaults to [-1, 1)); int inputs take integers in [0, hi). */
  lo?: number;
  hi?: number;
  dtype?: 'float64' | 'int64' | 'bool';
  /** Fixed values instead of random ones. */
  values?: number[];
}

export interface FdResult {
  maxAbsError: number;
  maxRelError: number;
  checked: number;
}

/**
 * Builds loss = sum(fn(inputs) * R) with a random R, and compares d loss / d input from `grad`
 * with central differences (step h) for every element of every float input.
 */
export async function checkVjp(fn: (xs: Tensor[]) => Tensor, specs: InputSpec[], seed = 1, h = 1e-6): Promise<FdResult> {
  const r = rng(seed);
  const g = new Graph('fd');
  const xs = specs.map((s, i) => g.input(`x${i}`, s.dtype ?? 'float64', s.shape));
  const y = fn(xs);
  const weight = g.input('R', y.dtype, y.shape);
  const loss = F.sumAll(F.mul(y, weight));
  const floatIdx = specs.flatMap((s, i) => ((s.dtype ?? 'float64') === 'float64' ? [i] : []));
  const grads = grad(
    loss,
    floatIdx.map((i) => xs[i]),
  );
  g.output('loss', loss);
  grads.forEach((t, k) => g.output(`g${k}`, t));
  const session = await Session.create(serialize(g), { threads: 1 });

  const feeds: Record<string, HostTensor> = {};
  specs.forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const dtype = s.dtype ?? 'float64';
    if (dtype === 'float64')
      feeds[`x${i}`] = { dtype, shape: s.shape, data: Float64Array.from(s.values ?? uniform(r, n, s.lo ?? -1, s.hi ?? 1)) };
    else if (dtype === 'bool')
      feeds[`x${i}`] = { dtype, shape: s.shape, data: Uint8Array.from(s.values ?? uniform(r, n, 0, 2).map(Math.floor)) };
    else
      feeds[`x${i}`] = {
        dtype,
        shape: s.shape,
        data: BigInt64Array.from((s.values ?? uniform(r, n, 0, s.hi ?? 2).map(Math.floor)).map(BigInt)),
      };
  });
  const yShape = await outputShape(session, feeds, y, weight);
  const nY = yShape.reduce((a, b) => a * b, 1);
  feeds.R = { dtype: 'float64', shape: yShape, data: Float64Array.from(uniform(r, nY, 0.5, 1.5)) };

  const out = await session.run(feeds);
  let maxAbsError = 0,
    maxRelError = 0,
    checked = 0;
  for (const [k, i] of floatIdx.entries()) {
    const analytic = dataOf(out[`g${k}`], 'float64');
    const x = dataOf(feeds[`x${i}`], 'float64');
    assert.equal(analytic.length, x.length, `gradient ${k} has ${analytic.length} values for ${x.length} inputs`);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j];
      x[j] = keep + h;
      const up = dataOf((await session.run(feeds, ['loss'])).loss, 'float64')[0];
      x[j] = keep - h;
      const down = dataOf((await session.run(feeds, ['loss'])).loss, 'float64')[0];
      x[j] = keep;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(numeric - analytic[j]);
      maxAbsError = Math.max(maxAbsError, err);
      maxRelError = Math.max(maxRelError, err / Math.max(1, Math.abs(numeric)));
      checked++;
    }
  }
  await session.release();
  return { maxAbsError, maxRelError, checked };
}

/** The concrete shape of y for these feeds (named dims resolve only at run time). */
async function outputShape(session: Session, feeds: Record<string, HostTensor>, y: Tensor, weight: Tensor): Promise<number[]> {
  if (y.shape.every((d) => typeof d === 'number')) return y.shape as number[];
  void session;
  void feeds;
  void weight;
  throw new Error('checkVjp: the op under test must have a static output shape');
}
