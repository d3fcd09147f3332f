// Symbolic tensors and the graph that records the ops applied to them.
import { BYTES_PER_ELEMENT, type DType, type HostArray, type HostTensor } from '../core/hostTensor';
import type { OpDef } from './op';
import { canonicalDim, formatShape, ShapeError, type Dim, type Shape } from './shape';

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    /** The node that computes this tensor; null for graph inputs and initializers. */
    readonly producer: Node | null,
    readonly outputIndex: number,
    /** ONNX value name. */
    public name: string,
  ) {}

  get rank(): number { return this.shape.length; }

  toString(): string { return `${this.name}: ${this.dtype}${formatShape(this.shape)}`; }
}

export class Node<A = any> {
  constructor(
    readonly id: number,
    readonly op: OpDef<A>,
    readonly inputs: readonly Tensor[],
    readonly attrs: A,
    public outputs: Tensor[] = [],
  ) {}
}

export type LeafKind = 'input' | 'initializer';

export interface Leaf { kind: LeafKind; tensor: Tensor; data?: HostTensor }

export class Graph {
  readonly nodes: Node[] = [];
  readonly leaves = new Map<string, Leaf>();
  readonly outputs: { name: string; tensor: Tensor }[] = [];
  /** Where the runtime value of each named dim can be read: a tensor and one of its axes. */
  readonly dimSources = new Map<string, { tensor: Tensor; axis: number }>();
  private nextId = 0;
  private constCache = new Map<string, Tensor>();

  constructor(readonly name = 'maporl') {}

  /** A graph input fed at run time. Named dims (strings) are dynamic. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    this.assertFreshName(name);
    const t = new Tensor(this, this.nextId++, dtype, shape.map(canonicalDim), null, 0, name);
    this.leaves.set(name, { kind: 'input', tensor: t });
    this.registerDims(t);
    return t;
  }

  /** A tensor whose value is stored in the model (frozen weights, constants); loaded once. */
  initializer(name: string, data: HostTensor): Tensor {
    this.assertFreshName(name);
    const expected = data.shape.reduce((a, b) => a * b, 1);
    if (data.data.length !== expected) {
      throw new ShapeError(`initializer "${name}": ${data.data.length} values for shape ${formatShape(data.shape)} (${expected} expected)`);
    }
    const t = new Tensor(this, this.nextId++, data.dtype, [...data.shape], null, 0, name);
    this.leaves.set(name, { kind: 'initializer', tensor: t, data });
    return t;
  }

  /** A pooled constant (scalar or small array) of the given dtype. */
  constant(values: number | number[], dtype: DType, shape?: number[]): Tensor {
    const arr = typeof values === 'number' ? [values] : values;
    const shp = shape ?? (typeof values === 'number' ? [] : [arr.length]);
    const key = `${dtype}|${shp.join(',')}|${arr.join(',')}`;
    let t = this.constCache.get(key);
    if (!t) {
      const data = toHostArray(dtype, arr);
      t = this.initializer(`const_${this.constCache.size}`, { dtype, shape: shp, data });
      this.constCache.set(key, t);
    }
    return t;
  }

  /** Marks `t` as a graph output named `name`. */
  output(name: string, t: Tensor): void {
    if (t.graph !== this) throw new Error(`output "${name}": tensor belongs to another graph`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output "${name}" is declared twice`);
    this.outputs.push({ name, tensor: t });
  }

  /** Records an op application; called by `apply` only. */
  addNode<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Node<A> {
    for (const x of inputs) {
      if (x.graph !== this) throw new Error(`${op.name}: input ${x.name} belongs to another graph`);
    }
    const types = op.infer(inputs, attrs);
    const node = new Node<A>(this.nodes.length, op, inputs, attrs);
    node.outputs = types.map((ty, i) => {
      const t = new Tensor(this, this.nextId++, ty.dtype, ty.shape.map(canonicalDim), node, i, `t${this.nextId - 1}`);
      this.registerDims(t);
      return t;
    });
    this.nodes.push(node);
    return node;
  }

  /** Bytes of all initializers (the frozen part of the model). */
  initializerBytes(): number {
    let n = 0;
    for (const l of this.leaves.values()) if (l.data) n += l.data.data.length * BYTES_PER_ELEMENT[l.data.dtype];
    return n;
  }

  private registerDims(t: Tensor): void {
    t.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.dimSources.has(d)) this.dimSources.set(d, { tensor: t, axis });
    });
  }

  private assertFreshName(name: string): void {
    if (this.leaves.has(name)) throw new Error(`graph "${this.name}": the name "${name}" is already used`);
  }
}

export function toHostArray(dtype: DType, values: ArrayLike<number>): HostArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'int32': return Int32Array.from(values);
    case 'uint8': case 'bool': return Uint8Array.from(values);
    default: throw new Error(`constants of dtype ${dtype} are not supported; cast a float32 constant instead`);
  }
}

/** Applies an op and returns its single output. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (inputs.length === 0) throw new Error(`${op.name}: needs at least one input`);
  const node = inputs[0].graph.addNode(op, inputs, attrs);
  if (node.outputs.length !== 1) throw new Error(`${op.name}: has ${node.outputs.length} outputs; use applyMulti`);
  return node.outputs[0];
}

export function applyMulti<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  return inputs[0].graph.addNode(op, inputs, attrs).outputs;
}

export type { Dim, Shape };
