// The embedding gradient (Gather's VJP) at the sizes of a real training step and with two intra-op
// threads, against sums in float64 on the host. ORT's ScatterND(reduction="add"), which this VJP
// used before, lost updates here (errors of ~5 at two threads, a different result each run): see
// graph/ops/scatterRows.ts. The finite-difference check (vjp.test.ts) covers small shapes only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grad } from '../../../src/engine/graph/autodiff';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { Session } from '../../../src/engine/runtime/session';
import { f32 } from '../../../src/engine/runtime/tensors';

/** d/dx of sum(gather(x, ids) * w), x [V, ...rest], ids [B, T] (int64 or int32), on `threads` threads, `runs` times. */
async function gatherGrad(
  V: number,
  rest: number[],
  ids: number[][],
  w: number[],
  opts: { threads: number; runs: number; dtype?: 'int64' | 'int32' },
): Promise<Float32Array[]> {
  const [B, T] = [ids.length, ids[0].length];
  const idsType = opts.dtype ?? 'int64';
  const g = new Graph();
  const x = g.input('x', 'float32', [V, ...rest]);
  const idx = g.input('ids', idsType, [B, T]);
  const weights = g.input('w', 'float32', [B, T, ...rest]);
  const [dx] = grad(F.sumAll(F.mul(F.gather(x, idx), weights)), [x]);
  g.output('dx', dx);
  const session = await Session.create(serialize(g), { threads: opts.threads });
  const flat = ids.flat();
  const feeds = {
    x: f32(new Array(V * rest.reduce((a, b) => a * b, 1)).fill(0), [V, ...rest]),
    ids:
      idsType === 'int64'
        ? { dtype: 'int64' as const, shape: [B, T], data: BigInt64Array.from(flat.map(BigInt)) }
        : { dtype: 'int32' as const, shape: [B, T], data: Int32Array.from(flat) },
    w: f32(w, [B, T, ...rest]),
  };
  const outs: Float32Array[] = [];
  for (let r = 0; r < opts.runs; r++) outs.push((await session.run(feeds)).dx.data as Float32Array);
  await session.release();
  return outs;
}

/** The same gradient summed in float64 on the host (negative ids count from the end). */
function reference(V: number, R: number, ids: number[][], w: number[]): Float64Array {
  const out = new Float64Array(V * R);
  ids.flat().forEach((id, i) => {
    const row = id < 0 ? id + V : id;
    for (let c = 0; c < R; c++) out[row * R + c] += w[i * R + c];
  });
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('embedding gradient of a PPO-sized batch (64 rows of 98 tokens, 40 ids, hidden 64) is exact and repeats at two threads', async () => {
  const [V, B, T, C] = [40, 64, 98, 64];
  const ids = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => ((b * T + t) * 7919) % V));
  const w = Array.from({ length: B * T * C }, (_, i) => Math.sin(i * 0.37));
  const want = reference(V, C, ids, w);
  const outs = await gatherGrad(V, [C], ids, w, { threads: 2, runs: 5 });
  for (const out of outs) assert.ok(maxAbsDiff(out, want) < 1e-4, `max |error| ${maxAbsDiff(out, want)}`);
  for (const out of outs.slice(1)) assert.deepEqual(out, outs[0], 'the gradient changed between runs');
});

test('embedding gradient: negative ids, int32 ids, rows never looked up, a trailing shape', async () => {
  const [V, rest] = [9, [2, 3]];
  // Ids 0..6 and their negative twins (-9..-3 are 0..6); rows 7 and 8 never looked up.
  const ids = [
    [0, -9, 3, 3, 6],
    [-3, 1, 1, -8, 0],
  ];
  const w = Array.from({ length: 10 * 6 }, (_, i) => Math.cos(i * 1.3));
  const want = reference(V, 6, ids, w);
  for (const dtype of ['int64', 'int32'] as const) {
    const [out] = await gatherGrad(V, rest, ids, w, { threads: 2, runs: 1, dtype });
    assert.ok(maxAbsDiff(out, want) < 1e-6, `${dtype}: max |error| ${maxAbsDiff(out, want)}`);
    assert.deepEqual(Array.from(out.slice(7 * 6)), new Array(12).fill(0), 'rows never looked up get zeros');
  }
});
