// A model as one provider gets it. ONNX Runtime 1.30's WebGPU provider has no LogSoftmax kernel, so
// ORT would run the loss's LogSoftmax over [N, V] (the largest tensor of a training step) on the CPU,
// with copies both ways; a WebGPU session gets it written out as ops the provider has:
//   y = (x − m) − log Σ exp(x − m),  m = max over the axis,
// the same max-shifted computation the fused kernel does. Other providers keep the fused kernel,
// which is 2-3× faster on the CPU (measured on [256, 151936]: 160-230 ms against 460 ms).
// WebGPU has no float64 either (WGSL has no f64 type): the float64 prefix sums of embedding
// gradients (graph/ops/scatterRows.ts) become float32 there, Casts to float64 and float64 constants
// turned float32, so the step stays on the device. Float32 prefix sums lose precision with the
// batch's length (worst case ~1e-7 × tokens, relative, for a row looked up once), which the CPU
// path does not. The rewrite decodes and re-encodes the model: embedded weights are held twice
// while the session is created.
import { onnx } from 'onnx-proto';
import type { ExecutionProvider } from '../../protocol/choices';

const T = onnx.TensorProto.DataType;

/** The model bytes for a session on `provider`: rewritten for WebGPU where it has LogSoftmax or float64 nodes, else as given. */
export function modelFor(provider: ExecutionProvider, model: Uint8Array): Uint8Array {
  // Cheap test first (decoding holds a large model's weights twice): our graphs make float64 only
  // in the embedding gradient's prefix sums, which a CumSum follows.
  const bytes = Buffer.from(model.buffer, model.byteOffset, model.byteLength);
  if (provider !== 'webgpu' || !(bytes.includes('LogSoftmax') || bytes.includes('CumSum'))) return model;
  const m = onnx.ModelProto.decode(model);
  const graph = m.graph;
  if (!graph?.node || !graph.node.some((n) => isLogSoftmax(n) || makesFloat64(n))) return model;
  const nodes: onnx.INodeProto[] = [];
  for (const n of graph.node) {
    if (isLogSoftmax(n)) nodes.push(...logSoftmaxNodes(n, graph));
    else nodes.push(makesFloat64(n) ? asFloat32(n) : n);
  }
  graph.node = nodes;
  return onnx.ModelProto.encode(m).finish();
}

const isLogSoftmax = (n: onnx.INodeProto) => n.opType === 'LogSoftmax' && (n.domain ?? '') === '';

/** A Cast to float64, or a ConstantOfShape whose value is float64. */
function makesFloat64(n: onnx.INodeProto): boolean {
  if ((n.domain ?? '') !== '') return false;
  const attr = n.attribute?.find((a) => a.name === (n.opType === 'Cast' ? 'to' : 'value'));
  if (n.opType === 'Cast') return Number(attr?.i) === T.DOUBLE;
  return n.opType === 'ConstantOfShape' && attr?.t?.dataType === T.DOUBLE;
}

/** The same node computing in float32. */
function asFloat32(n: onnx.INodeProto): onnx.INodeProto {
  const attribute = (n.attribute ?? []).map((a) => {
    if (n.opType === 'Cast' && a.name === 'to') return { ...a, i: T.FLOAT };
    if (a.name !== 'value' || !a.t) return a;
    const raw = a.t.rawData;
    const values = raw?.length ? new Float64Array(Uint8Array.from(raw).buffer) : Float64Array.from(a.t.doubleData ?? []);
    return { ...a, t: { dims: a.t.dims, dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) } };
  });
  return { ...n, attribute };
}

/** LogSoftmax(x, axis) as ReduceMax, Sub, Exp, ReduceSum, Log, Sub (opset 18: axes as an input). */
function logSoftmaxNodes(n: onnx.INodeProto, graph: onnx.IGraphProto): onnx.INodeProto[] {
  const axis = Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? -1); // opset 13+: default -1
  const name = n.name || `LogSoftmax_${n.output?.[0]}`;
  const [x] = n.input ?? [];
  const [y] = n.output ?? [];
  const v = (s: string) => `${name}/${s}`;
  graph.initializer ??= [];
  graph.initializer.push({ name: v('axes'), dataType: onnx.TensorProto.DataType.INT64, dims: [1], int64Data: [axis] });
  const keepdims = [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }];
  const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) => ({
    opType,
    input,
    output,
    attribute,
    domain: '',
    name: v(opType.toLowerCase()),
  });
  return [
    node('ReduceMax', [x, v('axes')], [v('max')], keepdims), // [.., 1, ..]
    { ...node('Sub', [x, v('max')], [v('shifted')]), name: v('shift') },
    node('Exp', [v('shifted')], [v('exp')]),
    node('ReduceSum', [v('exp'), v('axes')], [v('sum')], keepdims),
    node('Log', [v('sum')], [v('logsum')]),
    { ...node('Sub', [v('shifted'), v('logsum')], [y]), name: v('out') },
  ];
}
