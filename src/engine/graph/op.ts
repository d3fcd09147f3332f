// An op is one record: its name, a shape/dtype rule, an ONNX emitter and a VJP rule.
// The autodiff engine and the serializer never switch on op names (see style.md, "JAX").
import type { DType } from '../core/hostTensor';
import type { Shape } from './shape';
import type { Node, Tensor } from './graph';

export interface TensorType { dtype: DType; shape: Shape }

/** Attribute values as ONNX understands them. */
export type OnnxAttr = number | string | number[] | { float: number } | { floats: number[] } | { tensor: ConstTensor };

export interface ConstTensor { dtype: DType; shape: number[]; data: ArrayLike<number> | ArrayLike<bigint> }

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

export interface OpDef<A = any> {
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
