// Child process of bench/generation.ts: decode steps of qwen2.5-0.5b-shape (random weights) with
// the weights fed at each run or embedded as initializers (--placement=fed|embedded), batch 1 and
// 16 over a 64-token cache, against the memory-bandwidth bound: bytes read per step (all weights
// once, the tied LM head included, plus the KV cache) divided by the copy bandwidth measured here.
// Prints one JSON line (QwenDecodeChild), peak RSS included. A fresh process per placement.
import type { HostTensor } from '../src/engine/core/hostTensor';
import { serialize } from '../src/engine/graph/serialize';
import { buildDecodeGraph, weightBinding, weightFeeds } from '../src/engine/generate/graphs';
import { llamaParamShapes } from '../src/engine/nn/llama';
import { presetConfig } from '../src/engine/nn/presets';
import { Session } from '../src/engine/runtime/session';
import { processMemory } from './child';
import { median, type QwenDecodeChild, type DecodeRow } from './generation';
import { fastModelWeights } from './random';

/** Copy bandwidth in GB/s, STREAM convention: (bytes read + bytes written) / time, of one 256 MiB memcpy. */
function copyBandwidth(): number {
  const n = 64 << 20; // floats = 256 MiB
  const src = new Float32Array(n).fill(1),
    dst = new Float32Array(n);
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    dst.set(src);
    samples.push(performance.now() - t0);
  }
  return (2 * 4 * n) / (Math.min(...samples.slice(1)) / 1e3) / 1e9;
}

async function main(): Promise<void> {
  const arg = (k: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const placement = arg('placement') === 'embedded' ? 'embedded' : 'fed';
  const threads = Number(arg('threads') ?? 2);
  const quick = process.argv.includes('--quick');
  const cfg = presetConfig('qwen2.5-0.5b-shape', 0, { bosTokenId: null, eosTokenId: null, padTokenId: null });
  const copyGBps = copyBandwidth();
  const weights = fastModelWeights(llamaParamShapes(cfg), 12345);
  const weightBytes = Object.values(weights).reduce((n, t) => n + 4 * t.data.length, 0);
  const t0 = performance.now();
  const binding = weightBinding(weights, new Set(), placement === 'fed' ? 0 : Infinity);
  const session = await Session.create(serialize(buildDecodeGraph(cfg, binding)), { threads });
  const compileMs = performance.now() - t0;
  const P = 64,
    L = cfg.numHiddenLayers,
    KVH = cfg.numKeyValueHeads,
    D = cfg.headDim;
  const rows: DecodeRow[] = [];
  for (const batch of [1, 16]) {
    const feeds: Record<string, HostTensor> = {
      ...weightFeeds(binding),
      input_ids: { dtype: 'int64', shape: [batch, 1], data: new BigInt64Array(batch).fill(100n) },
      positions: { dtype: 'int64', shape: [batch, 1], data: new BigInt64Array(batch).fill(BigInt(P)) },
      attention_mask: { dtype: 'int64', shape: [batch, P + 1], data: new BigInt64Array(batch * (P + 1)).fill(1n) },
      temperature: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
    };
    for (let l = 0; l < L; l++) {
      for (const kv of ['k', 'v'])
        feeds[`past.${kv}.${l}`] = {
          dtype: 'float32',
          shape: [batch, KVH, P, D],
          data: new Float32Array(batch * KVH * P * D).fill(0.01),
        };
    }
    const samples: number[] = [];
    for (let i = 0; i <= (quick ? 3 : 6); i++) {
      const t = performance.now();
      await session.run(feeds);
      if (i > 0) samples.push(performance.now() - t); // the first run warms up
    }
    const stepMs = median(samples);
    const kvBytes = batch * L * 2 * KVH * (P + 1) * D * 4;
    const boundTokensPerS = (batch * (copyGBps * 1e9)) / (weightBytes + kvBytes);
    const tokensPerS = batch / (stepMs / 1e3);
    rows.push({ batch, stepMs, tokensPerS, boundTokensPerS, fractionOfBound: tokensPerS / boundTokensPerS });
  }
  await session.release();
  const report: QwenDecodeChild = {
    placement,
    weightBytes,
    copyGBps,
    pastTokens: P,
    compileMs,
    peakRssBytes: processMemory('VmHWM'),
    rows,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
