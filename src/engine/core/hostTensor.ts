// Element types and tensors on the host: what the graph builder bakes in as initializers and what
// sessions take and return. A leaf module, so that graph (which compiles) and runtime (which runs)
// share the types without importing each other.
// float16 and bfloat16 are storage types: the host keeps their raw 16-bit patterns in Uint16Array.

/** The typed array holding each dtype on the host (as onnxruntime's JS tensors do). */
export interface HostArrays {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type DType = keyof HostArrays;

export type HostArray = HostArrays[DType];

/**
 * A tensor that lives on the host. With a known dtype (`HostTensor<'float32'>`) `data` has its
 * typed-array type; a tensor of any dtype (a session's output) is read through `dataOf`.
 */
export interface HostTensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: HostArrays[D];
}

/** `t.data` as the typed array of `dtype`; throws naming `what` when `t` holds another dtype. */
export function dataOf<D extends DType>(t: HostTensor, dtype: D, what = 'tensor'): HostArrays[D] {
  if (t.dtype !== dtype) throw new TypeError(`${what}: expected a ${dtype} tensor, got ${t.dtype}[${t.shape.join(', ')}]`);
  return t.data as HostArrays[D];
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

const ARRAY_OF: { [D in DType]: new (length: number) => HostArrays[D] } = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** A zero-filled typed array of the host storage type for `dtype`. */
export function allocHost<D extends DType>(dtype: D, length: number): HostArrays[D] {
  return new ARRAY_OF[dtype](length);
}
