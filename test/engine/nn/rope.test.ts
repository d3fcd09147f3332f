// RoPE inverse frequencies against the HF formula (transformers' modeling_rope_utils.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ropeInvFreq } from '../../../src/engine/nn/rope';

test('ropeInvFreq: plain RoPE, and Llama 3.1 scaling in its three bands (values from the HF formula in numpy)', () => {
  const plain = ropeInvFreq({ headDim: 8, ropeTheta: 10000, ropeScaling: null });
  [1, 0.1, 0.01, 0.001].forEach((v, i) => assert.ok(Math.abs(plain[i]! - v) < 1e-15, `plain inv_freq[${i}]`));
  // Llama 3.1 8B's config.json: head_dim 4096 / 32, rope_theta 500000, rope_scaling llama3 (factor 8).
  const c = {
    headDim: 128,
    ropeTheta: 500000,
    ropeScaling: {
      ropeType: 'llama3' as const,
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    },
  };
  const f = ropeInvFreq(c);
  assert.equal(f.length, 64);
  const expected: [number, number][] = [
    [0, 1.0],
    [20, 0.016560440080994446], // high frequency: unchanged
    [29, 0.002166570763503359],
    [31, 0.0008567514129196321],
    [34, 0.00017850781276799638], // smoothed band
    [40, 3.428102195952591e-5],
    [63, 3.068925988914511e-7], // low frequency: divided by 8
  ];
  for (const [i, v] of expected) assert.ok(Math.abs(f[i]! - v) <= 1e-12 * v, `inv_freq[${i}] = ${f[i]} != ${v}`);
  const unscaled = ropeInvFreq({ ...c, ropeScaling: null });
  assert.equal(f[40]! * 8, unscaled[40]);
  for (let i = 1; i < f.length; i++) assert.ok(f[i]! < f[i - 1]!, 'frequencies decrease');
});
