// Writes a graph as an ONNX ModelProto (opset 18, IR 8): only the nodes the outputs need, inputs
// with static sizes or named dims, and the initializers those nodes read.
import { writeFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { ONNX_DTYPE, type DType, type HostTensor } from '../core/hostTensor';
import type { ConstTensor, Emitter, Graph, Node, OnnxAttr, Tensor } from './graph';

export const OPSET = 18;
const IR_VERSION = 8;

export class GraphError extends Error {
  override name = 'GraphError';
}

export interface SerializeOptions {
  /** Allow outputs that depend on no graph input (constants). Default false: usually a mistake. */
  allowConstantOutputs?: boolean;
}

export function toModelProto(graph: Graph, options: SerializeOptions = {}): onnx.IModelProto {
  if (graph.outputs.length === 0) throw new GraphError(`graph "${graph.name}" has no outputs`);
  const nodes = neededNodes(graph);
  checkOutputsDependOnInputs(graph, options);

  const protoNodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const pooled = new Map<string, string>();
  let temps = 0;

  // Output names: rename the producing tensor where we can, else add an Identity.
  const aliases: [string, string][] = [];
  const claimed = new Set<Tensor>();
  for (const { name, tensor } of graph.outputs) {
    if (tensor.producer && !claimed.has(tensor)) {
      tensor.name = name;
      claimed.add(tensor);
    } else {
      aliases.push([tensor.name, name]);
    }
  }

  const emitter: Emitter = {
    node(opType, inputs, outputs, attrs, domain) {
      protoNodes.push({
        opType,
        input: inputs,
        output: outputs,
        domain: domain ?? '',
        name: `${opType}_${protoNodes.length}`,
        attribute: Object.entries(attrs ?? {}).map(([k, v]) => encodeAttr(k, v)),
      });
    },
    int64s(values) {
      const key = `i64[${values.join(',')}]`;
      return pool(key, { dtype: 'int64', shape: [values.length], data: values });
    },
    int64(value) {
      return pool(`i64(${value})`, { dtype: 'int64', shape: [], data: [value] });
    },
    temp(hint) {
      return `${hint}_tmp${temps++}`;
    },
  };
  function pool(key: string, t: ConstTensor): string {
    let name = pooled.get(key);
    if (!name) {
      name = `pool_${pooled.size}`;
      pooled.set(key, name);
      initializers.push(encodeTensor(name, t));
    }
    return name;
  }

  for (const node of nodes) {
    node.op.emit(
      emitter,
      node.inputs.map((t) => t.name),
      node.outputs.map((t) => t.name),
      node.attrs,
    );
  }
  for (const [from, to] of aliases) emitter.node('Identity', [from], [to]);

  const used = new Set<string>();
  for (const n of protoNodes) for (const i of n.input ?? []) used.add(i);
  const inputs: onnx.IValueInfoProto[] = [];
  for (const leaf of graph.leaves.values()) {
    if (leaf.kind === 'input') inputs.push(valueInfo(leaf.tensor.name, leaf.tensor));
    else if (leaf.data && used.has(leaf.tensor.name)) initializers.push(encodeTensor(leaf.tensor.name, leaf.data));
  }
  const outputs = graph.outputs.map(({ name, tensor }) => valueInfo(name, tensor));

  return {
    irVersion: IR_VERSION,
    producerName: 'maporl-studio',
    opsetImport: [{ domain: '', version: OPSET }, ...contribDomains(protoNodes).map((domain) => ({ domain, version: 1 }))],
    graph: { name: graph.name, node: protoNodes, initializer: initializers, input: inputs, output: outputs },
  };
}

/** Domains other than the default one that nodes use (ORT's com.microsoft contrib ops, version 1). */
function contribDomains(nodes: onnx.INodeProto[]): string[] {
  return [...new Set(nodes.map((n) => n.domain ?? '').filter((d) => d !== ''))];
}

/** ONNX bytes of the graph, ready for an InferenceSession. */
export function serialize(graph: Graph, options?: SerializeOptions): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(toModelProto(graph, options))).finish();
}

/**
 * Writes the graph to a `.onnx` file for inspection in a viewer such as Netron: a debugging aid,
 * called by hand (docs/engine.md), so nothing in the code uses it.
 * @public
 */
export function dumpOnnx(graph: Graph, path: string, options?: SerializeOptions): void {
  writeFileSync(path, serialize(graph, options));
}

function neededNodes(graph: Graph): Node[] {
  const needed = new Set<Node>();
  const stack = graph.outputs.map((o) => o.tensor);
  const seen = new Set<Tensor>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.producer && !needed.has(t.producer)) {
      needed.add(t.producer);
      stack.push(...t.producer.inputs);
    }
  }
  return graph.nodes.filter((n) => needed.has(n));
}

function checkOutputsDependOnInputs(graph: Graph, options: SerializeOptions): void {
  if (options.allowConstantOutputs) return;
  const dependsOnInput = new Set<Tensor>();
  for (const leaf of graph.leaves.values()) if (leaf.kind === 'input') dependsOnInput.add(leaf.tensor);
  for (const n of graph.nodes) {
    if (n.inputs.some((x) => dependsOnInput.has(x))) for (const o of n.outputs) dependsOnInput.add(o);
  }
  for (const { name, tensor } of graph.outputs) {
    if (!dependsOnInput.has(tensor)) {
      throw new GraphError(`graph "${graph.name}": output "${name}" depends on no graph input (it is a constant)`);
    }
  }
}

function valueInfo(name: string, t: Tensor): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[t.dtype],
        shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encodeAttr(name: string, v: OnnxAttr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new GraphError(`attribute ${name}: ${v} is not an integer; wrap floats as {float}`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: encodeTensor('', v.tensor) };
}

function encodeTensor(name: string, t: ConstTensor | HostTensor): onnx.ITensorProto {
  const bytes = rawBytes(t.dtype, t.data);
  return { name, dims: t.shape, dataType: ONNX_DTYPE[t.dtype], rawData: bytes };
}

/** Little-endian bytes of the values (x86 and ARM hosts are little-endian). */
function rawBytes(dtype: DType, data: ArrayLike<number> | ArrayLike<bigint>): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const arr = Array.from(data as ArrayLike<number | bigint>);
  switch (dtype) {
    case 'float32':
      return new Uint8Array(Float32Array.from(arr as number[]).buffer);
    case 'float64':
      return new Uint8Array(Float64Array.from(arr as number[]).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(arr.map((x) => BigInt(x))).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(arr as number[]).buffer);
    case 'bool':
    case 'uint8':
      return Uint8Array.from(arr as number[]);
    default:
      throw new GraphError(`constants of dtype ${dtype} need a typed array`);
  }
}
