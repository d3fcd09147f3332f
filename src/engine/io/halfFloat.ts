// IEEE float16 and bfloat16 <-> float32 conversions on raw bit patterns (Uint16 values).
// float16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. bfloat16: the top 16 bits of a float32.
// float32 -> half conversions round to nearest, ties to even (what PyTorch's `.half()` and
// `.bfloat16()` do); NaN stays NaN, overflow goes to infinity.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of the float32 nearest to `x`. */
function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** float16 bit pattern -> its exact value. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The float16 bit pattern nearest to the float32 of `x`. */
export function float32ToFloat16(x: number): number {
  return float32BitsToFloat16Bits(float32Bits(x));
}

function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15; // float16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (e <= 0) {
    // float16 subnormal (or zero): value = r * 2^-24, with the implicit leading one made explicit.
    if (e < -10) return sign; // below half the smallest subnormal
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    let r = full >>> shift;
    if (rest > half || (rest === half && r & 1)) r++; // a carry into bit 10 gives the smallest normal, correctly
    return sign | r;
  }
  const rest = bits & 0x1fff;
  let r = (e << 10) | (mantissa >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // a carry may reach the exponent (or infinity): correct
  return sign | r;
}

/** bfloat16 bit pattern -> its exact value. */
export function bfloat16ToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** The bfloat16 bit pattern nearest to the float32 of `x`. */
export function float32ToBfloat16(x: number): number {
  return float32BitsToBfloat16Bits(float32Bits(x));
}

function float32BitsToBfloat16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40; // quiet NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// All 65,536 float16 values, built on first use (256 KiB): converting a checkpoint is then a lookup.
let float16Table: Float32Array | undefined;

function float16ValueTable(): Float32Array {
  if (!float16Table) {
    float16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) float16Table[h] = float16ToFloat32(h);
  }
  return float16Table;
}

/** float16 bit patterns -> float32 values (into `out` when given). */
export function float16ArrayToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  checkLengths(src.length, out.length);
  const table = float16ValueTable();
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

/** float32 values -> float16 bit patterns, rounded to nearest even. */
export function float32ArrayToFloat16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  checkLengths(src.length, out.length);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32BitsToFloat16Bits(bits[i]!);
  return out;
}

/** bfloat16 bit patterns -> float32 values (exact: a 16-bit shift). */
export function bfloat16ArrayToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  checkLengths(src.length, out.length);
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

/** float32 values -> bfloat16 bit patterns, rounded to nearest even. */
export function float32ArrayToBfloat16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  checkLengths(src.length, out.length);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32BitsToBfloat16Bits(bits[i]!);
  return out;
}

function checkLengths(src: number, out: number): void {
  if (src !== out) throw new RangeError(`half-float conversion: output length ${out} != input length ${src}`);
}
