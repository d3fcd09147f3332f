import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../../src/engine/io/errors';
import { SafetensorsReader, serializeSafetensors, writeSafetensors } from '../../../src/engine/io/safetensors';

/** A safetensors file built by hand from the format description (independent of our writer). */
function handmade(header: unknown, data: number[] | Uint8Array, headerPad = 0): Buffer {
  const json = Buffer.from(JSON.stringify(header) + ' '.repeat(headerPad));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

function expectModelFileError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ModelFileError, `expected ModelFileError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

test('reads a handmade file: F16 and BF16 raw and as float32, F32 at a non-zero offset, metadata', () => {
  const f16 = new Uint16Array([0x3c00, 0xc000]); // 1, -2
  const bf16 = new Uint16Array([0x3f80, 0x4040]); // 1, 3
  const f32 = new Float32Array([0.25, -8, 1e-3]);
  const data = Buffer.concat([Buffer.from(f16.buffer), Buffer.from(bf16.buffer), Buffer.from(f32.buffer)]);
  const buf = handmade(
    {
      __metadata__: { format: 'pt' },
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [1, 2], data_offsets: [4, 8] },
      f: { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
    },
    data,
    3,
  ); // odd padding: typed arrays must still come out aligned
  const r = SafetensorsReader.fromBuffer(buf);
  assert.deepEqual(r.metadata, { format: 'pt' });
  assert.deepEqual(r.names(), ['h', 'b', 'f']);
  assert.deepEqual([...r.read('h').data], [0x3c00, 0xc000]);
  assert.deepEqual([...r.readAsFloat32('h')], [1, -2]);
  assert.deepEqual(r.read('b').shape, [1, 2]);
  assert.deepEqual([...r.readAsFloat32('b')], [1, 3]);
  assert.deepEqual([...r.readAsFloat32('f')], [...f32]);
  expectModelFileError(() => r.read('missing'), /<buffer>: no such tensor \(tensor "missing"\)/);
});

test('round trip of every dtype through the writer, with the header padded to 8 bytes', () => {
  const tensors = {
    'z.f32': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
    'a.f64': { shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    'm.i64': { shape: [3], data: new BigInt64Array([1n, -2n, 2n ** 62n]) },
    'm.i32': { shape: [1], data: new Int32Array([-7]) },
    'u.u8': { shape: [2], data: new Uint8Array([0, 255]) },
    'u.bool': { dtype: 'BOOL' as const, shape: [3], data: new Uint8Array([1, 0, 1]) },
    'h.f16': { dtype: 'F16' as const, shape: [2], data: new Float32Array([0.5, 65504]) },
    'h.bf16': { dtype: 'BF16' as const, shape: [2], data: new Float32Array([1, -3]) },
    'e.empty': { shape: [0, 4], data: new Float32Array(0) },
    's.scalar': { shape: [], data: new Float32Array([42]) },
  };
  const bytes = serializeSafetensors(tensors, { format: 'pt' });
  const headerLen = Number(Buffer.from(bytes).readBigUInt64LE(0));
  assert.equal((8 + headerLen) % 8, 0);
  const headerText = Buffer.from(bytes)
    .subarray(8, 8 + headerLen)
    .toString();
  assert.match(headerText, /^\{"__metadata__":\{"format":"pt"\},"a\.f64":/);
  assert.match(headerText, /\} *$/);

  const r = SafetensorsReader.fromBuffer(bytes);
  assert.deepEqual(r.names(), Object.keys(tensors).sort(), 'data laid out in name order');
  assert.deepEqual([...r.read('z.f32').data], [1, 2, 3, 4, 5, 6.5]);
  assert.deepEqual([...r.read('a.f64').data], [Math.PI, -1e300]);
  assert.deepEqual([...r.read('m.i64').data], [1n, -2n, 2n ** 62n]);
  assert.deepEqual([...r.read('m.i32').data], [-7]);
  assert.equal(r.info('u.bool').dtype, 'BOOL');
  assert.deepEqual([...r.read('u.bool').data], [1, 0, 1]);
  assert.equal(r.info('h.f16').dtype, 'F16');
  assert.deepEqual([...r.readAsFloat32('h.f16')], [0.5, 65504]);
  assert.deepEqual([...r.readAsFloat32('h.bf16')], [1, -3]);
  assert.deepEqual(r.read('e.empty').shape, [0, 4]);
  assert.deepEqual(r.read('s.scalar').shape, []);
  expectModelFileError(() => r.readAsFloat32('m.i64'), /dtype I64 is not a floating-point type \(tensor "m.i64"\)/);
});

test('writeSafetensors writes the same bytes to a file, atomically, and the file reader agrees', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-st-'));
  const file = path.join(dir, 'model.safetensors');
  const tensors = new Map([['w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]);
  writeSafetensors(file, tensors);
  assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  assert.deepEqual(fs.readFileSync(file), Buffer.from(serializeSafetensors(tensors)));
  const r = SafetensorsReader.open(file);
  assert.deepEqual([...r.readAsFloat32('w')], [1, 2, 3, 4]);
  r.close();
  expectModelFileError(
    () => SafetensorsReader.open(path.join(dir, 'nope.safetensors')),
    /nope\.safetensors: cannot open \(ENOENT\)/,
  );
});

test('the writer refuses inconsistent tensors', () => {
  assert.throws(
    () => serializeSafetensors({ w: { shape: [3], data: new Float32Array(2) } }),
    /2 values for shape \[3\] \(tensor "w"\)/,
  );
  assert.throws(() => serializeSafetensors({ w: { shape: [1], data: new Uint16Array(1) } }), /explicit dtype/);
  assert.throws(() => serializeSafetensors({ w: { dtype: 'I32', shape: [1], data: new Float32Array(1) } }), /not I32/);
  assert.throws(() => serializeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }), /invalid tensor name/);
});

const f32x2 = [0, 0, 128, 63, 0, 0, 0, 64]; // [1, 2]

test('strict validation: each malformed header is a one-line ModelFileError naming the problem', () => {
  const bad = (label: string, buf: Uint8Array, pattern: RegExp) =>
    expectModelFileError(() => SafetensorsReader.fromBuffer(buf, label), pattern);
  bad('short', Buffer.from([1, 2, 3]), /^short: too short to be safetensors \(3 bytes\)$/);
  const hugeLen = Buffer.alloc(16);
  hugeLen.writeBigUInt64LE(2n ** 63n);
  bad('huge', hugeLen, /^huge: header length 9223372036854775808 runs past the end of the file \(16 bytes\)$/);
  const pastEnd = handmade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32x2).subarray(0, 20);
  bad('cut', pastEnd, /^cut: header length \d+ runs past the end of the file \(20 bytes\)$/);
  bad(
    'json',
    Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]),
    /^json: header is not valid UTF-8 JSON/,
  );
  bad('array', handmade([1, 2], []), /^array: header is not a JSON object$/);
  bad(
    'dtype',
    handmade({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, [0, 0]),
    /^dtype: unknown or unsupported dtype "F8_E4M3" \(tensor "w"\)$/,
  );
  bad('nodtype', handmade({ w: { shape: [2], data_offsets: [0, 8] } }, f32x2), /dtype is missing \(tensor "w"\)/);
  bad(
    'shape',
    handmade({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32x2),
    /shape is not an array of non-negative integers \(tensor "w"\)/,
  );
  bad('shape2', handmade({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32x2), /shape is not/);
  bad('offs', handmade({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32x2), /data_offsets is not \[begin, end\]/);
  bad(
    'range',
    handmade({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32x2),
    /^range: data_offsets \[0, 16\] run past the end of the data \(8 bytes\) \(tensor "w"\)$/,
  );
  bad('rev', handmade({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32x2), /end before they begin/);
  bad(
    'size',
    handmade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32x2),
    /hold 8 bytes but shape \[3\] of F32 needs 12 \(tensor "w"\)/,
  );
  bad(
    'overlap',
    handmade(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      },
      f32x2,
    ),
    /data overlaps that of tensor "a" \(tensor "b"\)/,
  );
  bad(
    'gap',
    handmade(
      {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'U8', shape: [2], data_offsets: [6, 8] },
      },
      f32x2,
    ),
    /bytes 4\.\.6 of the data belong to no tensor \(tensor "b"\)/,
  );
  bad(
    'tail',
    handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32x2),
    /4 bytes after the last tensor's data belong to no tensor/,
  );
  bad('meta', handmade({ __metadata__: { n: 1 } }, []), /__metadata__ must be an object of string values/);
  bad('entry', handmade({ w: 3 }, []), /entry is not an object \(tensor "w"\)/);
});

test('a truncated or randomly corrupted file is an error or a valid read, never a crash', () => {
  const good = Buffer.from(
    serializeSafetensors({
      a: { shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      b: { dtype: 'BF16', shape: [4], data: new Float32Array([1, 2, 3, 4]) },
    }),
  );
  for (let cut = 0; cut < good.length; cut++) {
    assert.throws(() => SafetensorsReader.fromBuffer(good.subarray(0, cut)), ModelFileError, `cut at ${cut}`);
  }
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  const headerEnd = 8 + Number(good.readBigUInt64LE(0));
  for (let i = 0; i < 3000; i++) {
    const buf = Buffer.from(good);
    const edits = 1 + rand(3);
    for (let e = 0; e < edits; e++) buf[rand(headerEnd)] = rand(2) ? rand(256) : '0123456789[]{}",:-'.charCodeAt(rand(18));
    try {
      const r = SafetensorsReader.fromBuffer(buf);
      for (const name of r.names()) r.read(name);
    } catch (err) {
      assert.ok(err instanceof ModelFileError, `mutation ${i}: ${String(err)}`);
    }
  }
});
