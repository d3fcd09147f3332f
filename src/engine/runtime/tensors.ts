// Typed conversion between host tensors and onnxruntime tensors.
import * as ort from 'onnxruntime-node';
import type { DType, HostTensor } from '../core/hostTensor';

/** ORT's name for each dtype it can carry; bfloat16 has no JS tensor type and is widened on the host. */
const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};

export function toOrt(name: string, t: HostTensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type)
    throw new Error(`input "${name}": dtype ${t.dtype} cannot be fed to ONNX Runtime from JS; convert it to float32 first`);
  const expected = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== expected)
    throw new Error(`input "${name}": ${t.data.length} values for shape [${t.shape}] (${expected} expected)`);
  return new ort.Tensor(type, t.data as never, t.shape);
}

export function fromOrt(t: ort.Tensor): HostTensor {
  const dtype = Object.entries(ORT_TYPE).find(([, v]) => v === t.type)?.[0] as DType | undefined;
  if (!dtype) throw new Error(`ONNX Runtime returned an unsupported tensor type ${t.type}`);
  let data = t.data as HostTensor['data'];
  // float16 may come back as a Float16Array where the runtime has one; keep raw 16-bit storage.
  if (dtype === 'float16' && !(data instanceof Uint16Array))
    data = new Uint16Array((data as unknown as { buffer: ArrayBuffer }).buffer);
  return { dtype, shape: [...t.dims], data };
}

// ---- convenience constructors -------------------------------------------------------------------

export const f32 = (data: ArrayLike<number>, shape: number[]): HostTensor<'float32'> => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(data),
});
export const f64 = (data: ArrayLike<number>, shape: number[]): HostTensor<'float64'> => ({
  dtype: 'float64',
  shape,
  data: Float64Array.from(data),
});
/** Filled in place: no intermediate array of BigInts (the decode loop calls this twice a step). */
export function i64(data: ArrayLike<number>, shape: number[]): HostTensor<'int64'> {
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]);
  return { dtype: 'int64', shape, data: out };
}

/** Values of a float host tensor as numbers (float16 and bfloat16 not included: widen them first). */
export function toNumbers(t: HostTensor): number[] {
  if (t.data instanceof BigInt64Array) return Array.from(t.data, Number);
  return Array.from(t.data);
}
