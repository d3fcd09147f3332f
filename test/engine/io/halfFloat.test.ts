import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bfloat16ArrayToFloat32,
  bfloat16ToFloat32,
  float16ArrayToFloat32,
  float16ToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
  float32ToBfloat16,
  float32ToFloat16,
} from '../../../src/engine/io/halfFloat';

test('float16: known bit patterns', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
  ];
  for (const [value, bits] of cases) {
    assert.equal(float32ToFloat16(value), bits, `encode ${value}`);
    assert.equal(
      Object.is(float16ToFloat32(bits), value) || Math.abs(float16ToFloat32(bits) - value) < 1e-3 * Math.abs(value),
      true,
      `decode ${bits}`,
    );
  }
  assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN))));
});

test('float16: rounding to nearest even, overflow and underflow', () => {
  assert.equal(float32ToFloat16(65520), 0x7c00, '65520 is halfway to 65536: ties to even -> infinity');
  assert.equal(float32ToFloat16(65519), 0x7bff);
  assert.equal(float32ToFloat16(1e6), 0x7c00);
  assert.equal(float32ToFloat16(2 ** -25), 0x0000, 'half the smallest subnormal ties to 0');
  assert.equal(float32ToFloat16(1.5 * 2 ** -25), 0x0001);
  assert.equal(float32ToFloat16(2 ** -26), 0x0000);
  assert.equal(float32ToFloat16(1 + 2 ** -11), 0x3c00, 'tie between 1 and 1+2^-10 goes to even (1)');
  assert.equal(float32ToFloat16(1 + 3 * 2 ** -11), 0x3c02, 'tie between odd and even goes to even');
  assert.equal(float32ToFloat16(2 ** -14 - 2 ** -25), 0x0400, 'rounds up from the largest subnormal into the smallest normal');
});

test('float16: every finite pattern survives decode then encode', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const values = float16ArrayToFloat32(all);
  const back = float32ArrayToFloat16(values);
  for (let h = 0; h < 65536; h++) {
    const isNaN16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (isNaN16) assert.ok(Number.isNaN(values[h]!));
    else assert.equal(back[h], h, `pattern 0x${h.toString(16)}`);
  }
});

test('float16: encoding picks the nearest representable value (random float32 inputs)', () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 5000; i++) {
    const x = Math.fround((rand() - 0.5) * 2 ** (rand() * 40 - 28));
    const bits = float32ToFloat16(x);
    const y = float16ToFloat32(bits);
    // Neighbours one step away in the float16 grid must not be closer.
    for (const n of [bits - 1, bits + 1]) {
      if ((n & 0x7fff) >= 0x7c00 || n < 0 || (n ^ bits) & 0x8000) continue;
      assert.ok(Math.abs(float16ToFloat32(n) - x) >= Math.abs(y - x), `x=${x}`);
    }
  }
});

test('bfloat16: known values, rounding and NaN', () => {
  assert.equal(float32ToBfloat16(1), 0x3f80);
  assert.equal(float32ToBfloat16(-2), 0xc000);
  assert.equal(float32ToBfloat16(0.1), 0x3dcd); // 0x3dcccccd rounds up
  assert.equal(float32ToBfloat16(1 + 2 ** -8), 0x3f80, 'tie goes to even');
  assert.equal(float32ToBfloat16(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(float32ToBfloat16(Infinity), 0x7f80);
  assert.ok(Number.isNaN(bfloat16ToFloat32(float32ToBfloat16(NaN))));
  assert.equal(bfloat16ToFloat32(0x3f80), 1);
  assert.equal(bfloat16ToFloat32(0xc040), -3);
});

test('bfloat16 arrays: round trip of representable values and agreement with the scalar form', () => {
  const src = new Float32Array([0, -0, 1, -3, 0.1, 123456.789, -1e-30, 3e38]);
  const bits = float32ArrayToBfloat16(src);
  assert.deepEqual([...bits], [...src].map(float32ToBfloat16));
  const back = bfloat16ArrayToFloat32(bits);
  assert.deepEqual([...back], [...bits].map(bfloat16ToFloat32));
  assert.deepEqual([...float32ArrayToBfloat16(back)], [...bits]);
  assert.throws(() => bfloat16ArrayToFloat32(bits, new Float32Array(3)), /length/);
});
