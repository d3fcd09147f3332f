// Symbolic tensors, the graph that records the ops applied to them, and the op record.
// An op is one record: its name, a shape/dtype rule, an ONNX emitter and a VJP rule. The autodiff
// engine and the serializer never switch on op names (see style.md, "JAX"). The record and the
// graph refer to each other (a node holds its op, an op's rules take nodes and tensors), so they
// share this file.
import { BYTES_PER_ELEMENT, type DType, type HostArray, type HostTensor } from '../core/hostTensor';
import { canonicalDim, formatShape, ShapeError, type Shape } from './shape';

// ---- the op record ------------------------------------------------------------------------------

export interface TensorType {
  dtype: DType;
  shape: Shape;
}

/** Attribute values as ONNX understands them. */
export type OnnxAttr = number | string | number[] | { float: number } | { floats: number[] } | { tensor: ConstTensor };

export interface ConstTensor {
  dtype: DType;
  shape: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
}

/** What an op's emitter may do while the serializer writes the ONNX graph. */
export interface Emitter {
  /** Appends one ONNX node. Attribute numbers are INT; wrap in {float} for FLOAT. */
  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttr>, domain?: string): void;
  /** Name of a pooled int64 1-D constant (for axes, starts, shapes given as inputs). */
  int64s(values: number[]): string;
  /** Name of a pooled int64 scalar (0-D) constant. */
  int64(value: number): string;
  /** A fresh intermediate value name. */
  temp(hint: string): string;
}

export interface OpDef<A = unknown> {
  readonly name: string;
  /** Output types from input types; throws ShapeError naming the op and the shapes. */
  infer(inputs: readonly Tensor[], attrs: A): TensorType[];
  /** Writes the ONNX nodes computing `outputs` from `inputs` (value names). */
  emit(e: Emitter, inputs: string[], outputs: string[], attrs: A): void;
  /**
   * Vector-Jacobian product: given the cotangent of each output (undefined = zero), returns the
   * cotangent of each input (undefined = zero or not differentiable). Built with the same ops, so
   * the backward pass lands in the same graph. Absent: the op is not differentiable.
   */
  vjp?(node: Node<A>, cotangents: (Tensor | undefined)[]): (Tensor | undefined)[];
}

export function defineOp<A = Record<string, never>>(def: OpDef<A>): OpDef<A> {
  return def;
}

// ---- tensors, nodes, graphs ---------------------------------------------------------------------

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

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export class Node<A = unknown> {
  constructor(
    readonly id: number,
    readonly op: OpDef<A>,
    readonly inputs: readonly Tensor[],
    readonly attrs: A,
    public outputs: Tensor[] = [],
  ) {}
}

export type LeafKind = 'input' | 'initializer';

export interface Leaf {
  kind: LeafKind;
  tensor: Tensor;
  data?: HostTensor;
}

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
      throw new ShapeError(
        `initializer "${name}": ${data.data.length} values for shape ${formatShape(data.shape)} (${expected} expected)`,
      );
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
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    case 'int32':
      return Int32Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    default:
      throw new Error(`constants of dtype ${dtype} are not supported; cast a float32 constant instead`);
  }
}

/** Applies an op and returns its single output. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (inputs.length === 0) throw new Error(`${op.name}: needs at least one input`);
  const node = inputs[0].graph.addNode(op, inputs, attrs);
  if (node.outputs.length !== 1) throw new Error(`${op.name}: has ${node.outputs.length} outputs; apply takes single-output ops`);
  return node.outputs[0];
}

export type { Shape };
