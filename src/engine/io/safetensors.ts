// The safetensors format (https://github.com/huggingface/safetensors, "Format"):
//   [8 bytes: N, little-endian u64][N bytes: JSON header][data]
// header = {"__metadata__"?: {string: string}, "<name>": {"dtype", "shape", "data_offsets": [begin, end]}}
// with offsets relative to the start of the data. As in the reference implementation, the tensors
// must tile the data exactly (no gap, no overlap, nothing after the last one) and each one's byte
// count must equal product(shape) * itemsize. Every check below runs before a single tensor byte is
// read, so a truncated or hostile file gives a ModelFileError, never an out-of-range read.

import * as fs from 'node:fs';
import { endianness } from 'node:os';
import { ModelFileError } from './errors';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16 } from './halfFloat';
import { writeFileAtomicWith } from './atomic';

export type SafetensorsDtype =
  'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** The typed array holding a tensor of each dtype; F16 and BF16 hold raw bit patterns. */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}
export type TensorArray = DtypeArrays[SafetensorsDtype];

type ArrayCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): TensorArray; BYTES_PER_ELEMENT: number };
const ARRAY_OF: Record<SafetensorsDtype, ArrayCtor> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(ARRAY_OF, s);
}

export function dtypeItemSize(dtype: SafetensorsDtype): number {
  return ARRAY_OF[dtype].BYTES_PER_ELEMENT;
}

/** Where one tensor lies in a safetensors file. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset in the file (8 + header length + data_offsets[0]). */
  byteOffset: number;
  byteLength: number;
}

export interface Tensor<D extends SafetensorsDtype = SafetensorsDtype> {
  dtype: D;
  shape: number[];
  data: DtypeArrays[D];
}

/** Headers above this size are refused, as the reference implementation does (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** Random-access bytes: a file descriptor or a buffer. */
interface ByteSource {
  readonly size: number;
  /** Copies `length` bytes at `offset` into `into` (a fresh, aligned buffer). Bounds are checked before. */
  readInto(offset: number, into: Uint8Array): void;
  close(): void;
}

function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.byteLength,
    readInto: (offset, into) => into.set(buf.subarray(offset, offset + into.byteLength)),
    close: () => {},
  };
}

function fileSource(filePath: string): ByteSource {
  let fd: number | undefined = fs.openSync(filePath, 'r');
  const size = fs.fstatSync(fd).size;
  return {
    size,
    readInto(offset, into) {
      if (fd === undefined) throw new Error(`${filePath}: read after close`);
      const CHUNK = 1 << 30; // readSync reads at most 2 GiB per call
      for (let done = 0; done < into.byteLength;) {
        const n = fs.readSync(fd, into, done, Math.min(CHUNK, into.byteLength - done), offset + done);
        if (n === 0) throw new ModelFileError(filePath, `file ended at byte ${offset + done} (shrunk while open?)`);
        done += n;
      }
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}

/** Reads tensors from one safetensors file or buffer, validating the whole header on open. */
export class SafetensorsReader {
  private constructor(
    readonly file: string,
    private readonly source: ByteSource,
    readonly metadata: Readonly<Record<string, string>>,
    /** Tensors in file order (by offset). */
    readonly tensors: ReadonlyMap<string, TensorInfo>,
  ) {}

  /** Opens `filePath`, reads and validates its header; tensors are read on demand. Call close(). */
  static open(filePath: string): SafetensorsReader {
    let source: ByteSource;
    try {
      source = fileSource(filePath);
    } catch (err) {
      throw new ModelFileError(filePath, `cannot open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      const { metadata, tensors } = parseHeader(source, filePath);
      return new SafetensorsReader(filePath, source, metadata, tensors);
    } catch (err) {
      source.close();
      throw err;
    }
  }

  /** Reads from bytes in memory; `label` names the source in error messages. */
  static fromBuffer(buf: Uint8Array, label = '<buffer>'): SafetensorsReader {
    const source = bufferSource(buf);
    const { metadata, tensors } = parseHeader(source, label);
    return new SafetensorsReader(label, source, metadata, tensors);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new ModelFileError(this.file, 'no such tensor', name);
    return info;
  }

  /** The tensor as stored (a copy, in a typed array of its own). */
  read(name: string): Tensor {
    const info = this.info(name);
    const bytes = new Uint8Array(info.byteLength);
    this.source.readInto(info.byteOffset, bytes);
    const Ctor = ARRAY_OF[info.dtype];
    const data = new Ctor(bytes.buffer, 0, info.byteLength / Ctor.BYTES_PER_ELEMENT);
    return { dtype: info.dtype, shape: [...info.shape], data };
  }

  /** A floating-point tensor as float32 values: F16 and BF16 converted, F64 rounded. */
  readAsFloat32(name: string): Float32Array {
    return tensorToFloat32(this.read(name), this.file, name);
  }

  /** Every tensor, in file order. */
  readAll(): Map<string, Tensor> {
    return new Map(this.names().map((n) => [n, this.read(n)]));
  }

  close(): void {
    this.source.close();
  }
}

/** Narrows `t` to one dtype, so that `t.data` has that dtype's typed-array type. */
export function hasDtype<D extends SafetensorsDtype>(t: Tensor, dtype: D): t is Tensor<D> {
  return t.dtype === dtype;
}

/** float32 values of a floating-point tensor; integer tensors are refused. */
export function tensorToFloat32(t: Tensor, file: string, name: string): Float32Array {
  if (hasDtype(t, 'F32')) return t.data;
  if (hasDtype(t, 'F16')) return float16ArrayToFloat32(t.data);
  if (hasDtype(t, 'BF16')) return bfloat16ArrayToFloat32(t.data);
  if (hasDtype(t, 'F64')) return Float32Array.from(t.data);
  throw new ModelFileError(file, `dtype ${t.dtype} is not a floating-point type`, name);
}

function parseHeader(source: ByteSource, file: string): { metadata: Record<string, string>; tensors: Map<string, TensorInfo> } {
  const fail: (what: string, tensor?: string) => never = (what, tensor) => {
    throw new ModelFileError(file, what, tensor);
  };
  if (source.size < 8) fail(`too short to be safetensors (${source.size} bytes)`);
  const lenBytes = new Uint8Array(8);
  source.readInto(0, lenBytes);
  const headerLen = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (headerLen > BigInt(source.size - 8))
    fail(`header length ${headerLen} runs past the end of the file (${source.size} bytes)`);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerBytes = new Uint8Array(Number(headerLen));
  source.readInto(8, headerBytes);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');

  const dataStart = 8 + Number(headerLen);
  const dataSize = source.size - dataStart;
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry) ?? fail('__metadata__ must be an object of string values');
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail('entry is not an object', name);
    if (typeof e.dtype !== 'string') fail('dtype is missing', name);
    const dtype = e.dtype as string;
    if (!isSafetensorsDtype(dtype)) fail(`unknown or unsupported dtype "${dtype}"`, name);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every(isSize)) fail('shape is not an array of non-negative integers', name);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
      fail('data_offsets is not [begin, end] with non-negative integers', name);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`data_offsets [${begin}, ${end}] end before they begin`, name);
    if (end > dataSize) fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes)`, name);
    const needed = (shape as number[]).reduce((a, b) => a * b, 1) * dtypeItemSize(dtype as SafetensorsDtype);
    if (end - begin !== needed) {
      fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${needed}`, name);
    }
    infos.push({
      name,
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      byteOffset: dataStart + begin,
      byteLength: end - begin,
    });
  }

  // The tensors must tile [0, dataSize) exactly. Sorting by (begin, end) puts empty tensors first.
  infos.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let expected = dataStart;
  let previous: string | undefined;
  for (const t of infos) {
    if (t.byteOffset < expected) fail(`data overlaps that of tensor "${previous}"`, t.name);
    if (t.byteOffset > expected)
      fail(`bytes ${expected - dataStart}..${t.byteOffset - dataStart} of the data belong to no tensor`, t.name);
    expected = t.byteOffset + t.byteLength;
    previous = t.name;
  }
  if (expected !== source.size) fail(`${source.size - expected} bytes after the last tensor's data belong to no tensor`);
  return { metadata, tensors: new Map(infos.map((t) => [t.name, t])) };
}

function isSize(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseMetadata(entry: unknown): Record<string, string> | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  if (!Object.values(entry).every((v) => typeof v === 'string')) return undefined;
  return entry as Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * A tensor to write. `dtype` defaults to the natural one of `data` (Float32Array -> F32, ...);
 * Uint16Array needs it stated (F16, BF16 or U16). A Float32Array with dtype F16 or BF16 is
 * converted (round to nearest even).
 */
export interface TensorToWrite {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  data: TensorArray;
}

export type TensorsToWrite = ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>;

/** Tensors in name order, with their dtype and bytes resolved and checked. */
function prepare(
  tensors: TensorsToWrite,
  file: string,
): { name: string; dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array }[] {
  if (endianness() !== 'LE') throw new Error('safetensors writing needs a little-endian machine');
  const entries: [string, TensorToWrite][] = isMap(tensors) ? [...tensors.entries()] : Object.entries(tensors);
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => {
      if (name === '' || name === '__metadata__') throw new ModelFileError(file, 'invalid tensor name', name);
      const dtype = t.dtype ?? naturalDtype(t.data, file, name);
      let data: TensorArray = t.data;
      if ((dtype === 'F16' || dtype === 'BF16') && data instanceof Float32Array) {
        data = dtype === 'F16' ? float32ArrayToFloat16(data) : float32ArrayToBfloat16(data);
      }
      if (!(data instanceof ARRAY_OF[dtype]))
        throw new ModelFileError(file, `data is a ${data.constructor.name}, not ${dtype}`, name);
      if (!t.shape.every(isSize)) throw new ModelFileError(file, `shape [${t.shape}] is not non-negative integers`, name);
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (data.length !== count) throw new ModelFileError(file, `${data.length} values for shape [${t.shape}]`, name);
      return { name, dtype, shape: [...t.shape], bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    });
}

function isMap(t: TensorsToWrite): t is ReadonlyMap<string, TensorToWrite> {
  return t instanceof Map;
}

function naturalDtype(data: TensorArray, file: string, name: string): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof BigUint64Array) return 'U64';
  throw new ModelFileError(file, 'a Uint16Array needs an explicit dtype (F16, BF16 or U16)', name);
}

/** The 8-byte length and the JSON header, padded with spaces so the data starts 8-byte aligned. */
function encodeHeader(prepared: ReturnType<typeof prepare>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of prepared) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

/** The safetensors bytes of `tensors` (sorted by name), in memory. */
export function serializeSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): Uint8Array {
  const prepared = prepare(tensors, '<buffer>');
  return Buffer.concat([encodeHeader(prepared, metadata), ...prepared.map((t) => t.bytes)]);
}

/** Writes `tensors` to `filePath` atomically, streaming tensor by tensor (no full copy in memory). */
export function writeSafetensors(filePath: string, tensors: TensorsToWrite, metadata?: Record<string, string>): void {
  const prepared = prepare(tensors, filePath);
  writeFileAtomicWith(filePath, (fd) => {
    writeAll(fd, encodeHeader(prepared, metadata));
    for (const t of prepared) writeAll(fd, t.bytes);
  });
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += fs.writeSync(fd, bytes, done, Math.min(1 << 30, bytes.byteLength - done));
}

/** Byte size of a tensor's data once written. */
export function tensorByteSize(t: TensorToWrite): number {
  const count = t.shape.reduce((a, b) => a * b, 1);
  return count * (t.dtype ? dtypeItemSize(t.dtype) : t.data.BYTES_PER_ELEMENT);
}
