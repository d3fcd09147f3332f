// Elementwise ops with numpy broadcasting. Each VJP returns cotangents of the output's (broadcast)
// shape; `unbroadcast` sums them back to each input's shape in one place, so no rule handles it.
import { isFloat, ONNX_DTYPE, type DType } from '../../core/hostTensor';
import { apply, defineOp, type OpDef, type Tensor } from '../graph';
import { broadcastShapes, ShapeError } from '../shape';
import { unbroadcast } from './broadcast';

export type Operand = Tensor | number;

/** Lifts a JS number to a scalar constant of `like`'s dtype. */
export function lift(x: Operand, like: Tensor): Tensor {
  return typeof x === 'number' ? like.graph.constant(x, like.dtype) : x;
}

function binaryPair(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const ta = typeof a === 'number' ? lift(a, b as Tensor) : a;
  const tb = typeof b === 'number' ? lift(b, ta) : b;
  return [ta, tb];
}

function sameDType(op: string, xs: readonly Tensor[]): DType {
  const d = xs[0].dtype;
  for (const x of xs) if (x.dtype !== d) throw new ShapeError(`${op}: dtype mismatch ${xs.map((t) => t.dtype).join(' vs ')}`);
  return d;
}

function binaryDef(name: string, onnx: string, vjp?: OpDef['vjp'], outDType?: DType): OpDef {
  return defineOp({
    name,
    infer: ([a, b]) => [
      { dtype: outDType ?? sameDType(name, [a, b]), shape: (sameDType(name, [a, b]), broadcastShapes(name, a.shape, b.shape)) },
    ],
    emit: (e, ins, outs) => e.node(onnx, ins, outs),
    vjp,
  });
}

function unaryDef(name: string, onnx: string, vjp?: (x: Tensor, y: Tensor, g: Tensor) => Tensor, floatOnly = true): OpDef {
  return defineOp({
    name,
    infer: ([x]) => {
      if (floatOnly && !isFloat(x.dtype)) throw new ShapeError(`${name}: needs a float tensor, got ${x.dtype}`);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    emit: (e, ins, outs) => e.node(onnx, ins, outs),
    vjp: vjp && ((n, [g]) => [g && vjp(n.inputs[0], n.outputs[0], g)]),
  });
}

// ---- binary arithmetic ----------------------------------------------------------------------

export const Add = binaryDef('Add', 'Add', (n, [g]) => [
  g && unbroadcast(g, n.inputs[0].shape),
  g && unbroadcast(g, n.inputs[1].shape),
]);
export const Sub = binaryDef('Sub', 'Sub', (n, [g]) => [
  g && unbroadcast(g, n.inputs[0].shape),
  g && unbroadcast(neg(g), n.inputs[1].shape),
]);
export const Mul = binaryDef('Mul', 'Mul', (n, [g]) => {
  const [a, b] = n.inputs;
  return [g && unbroadcast(mul(g, b), a.shape), g && unbroadcast(mul(g, a), b.shape)];
});
// d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b
export const Div = binaryDef('Div', 'Div', (n, [g]) => {
  const [a, b] = n.inputs;
  const y = n.outputs[0];
  return [g && unbroadcast(div(g, b), a.shape), g && unbroadcast(neg(mul(g, div(y, b))), b.shape)];
});
// d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a
export const Pow = binaryDef('Pow', 'Pow', (n, [g]) => {
  const [a, b] = n.inputs;
  const y = n.outputs[0];
  return [g && unbroadcast(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape), g && unbroadcast(mul(g, mul(y, log(a))), b.shape)];
});
// At ties the whole cotangent goes to the first operand (PyTorch splits it); exact away from ties.
export const Max = binaryDef('Max', 'Max', (n, [g]) => {
  const [a, b] = n.inputs;
  const m = greaterOrEqual(a, b);
  return [g && unbroadcast(where(m, g, 0), a.shape), g && unbroadcast(where(m, 0, g), b.shape)];
});
export const Min = binaryDef('Min', 'Min', (n, [g]) => {
  const [a, b] = n.inputs;
  const m = lessOrEqual(a, b);
  return [g && unbroadcast(where(m, g, 0), a.shape), g && unbroadcast(where(m, 0, g), b.shape)];
});

export const add = (a: Operand, b: Operand): Tensor => apply(Add, binaryPair(a, b, 'Add'), {});
export const sub = (a: Operand, b: Operand): Tensor => apply(Sub, binaryPair(a, b, 'Sub'), {});
export const mul = (a: Operand, b: Operand): Tensor => apply(Mul, binaryPair(a, b, 'Mul'), {});
export const div = (a: Operand, b: Operand): Tensor => apply(Div, binaryPair(a, b, 'Div'), {});
export const pow = (a: Operand, b: Operand): Tensor => apply(Pow, binaryPair(a, b, 'Pow'), {});
export const maximum = (a: Operand, b: Operand): Tensor => apply(Max, binaryPair(a, b, 'Max'), {});
export const minimum = (a: Operand, b: Operand): Tensor => apply(Min, binaryPair(a, b, 'Min'), {});

// ---- comparisons and logic (not differentiable) ---------------------------------------------

const Equal = binaryDef('Equal', 'Equal', undefined, 'bool');
const Greater = binaryDef('Greater', 'Greater', undefined, 'bool');
const LessOrEqual = binaryDef('LessOrEqual', 'LessOrEqual', undefined, 'bool');
const GreaterOrEqual = binaryDef('GreaterOrEqual', 'GreaterOrEqual', undefined, 'bool');
const And = binaryDef('And', 'And', undefined, 'bool');

export const equal = (a: Operand, b: Operand): Tensor => apply(Equal, binaryPair(a, b, 'Equal'), {});
export const greater = (a: Operand, b: Operand): Tensor => apply(Greater, binaryPair(a, b, 'Greater'), {});
export const lessOrEqual = (a: Operand, b: Operand): Tensor => apply(LessOrEqual, binaryPair(a, b, 'LessOrEqual'), {});
export const greaterOrEqual = (a: Operand, b: Operand): Tensor => apply(GreaterOrEqual, binaryPair(a, b, 'GreaterOrEqual'), {});
export const and = (a: Tensor, b: Tensor): Tensor => apply(And, [a, b], {});

/**
 * True where x is neither NaN nor ±Inf: x − x is 0 exactly for finite x (∞ − ∞ and NaN − NaN are
 * NaN). Written so rather than with IsNaN, IsInf and Or, which ORT 1.30's WebGPU provider has no
 * kernels for (docs/performance.md, "Nodes ORT leaves on the CPU").
 */
export const isFinite = (x: Tensor): Tensor => equal(sub(x, x), 0);

// ---- unary math --------------------------------------------------------------------------------

export const Neg = unaryDef('Neg', 'Neg', (_x, _y, g) => neg(g));
export const Sqrt = unaryDef('Sqrt', 'Sqrt', (_x, y, g) => div(g, mul(y, 2)));
export const Exp = unaryDef('Exp', 'Exp', (_x, y, g) => mul(g, y));
export const Log = unaryDef('Log', 'Log', (x, _y, g) => div(g, x));
export const Tanh = unaryDef('Tanh', 'Tanh', (_x, y, g) => mul(g, sub(1, mul(y, y))));
// d erf(x)/dx = 2/sqrt(pi) exp(-x^2)
export const Erf = unaryDef('Erf', 'Erf', (x, _y, g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
export const Sigmoid = unaryDef('Sigmoid', 'Sigmoid', (_x, y, g) => mul(g, mul(y, sub(1, y))));
export const Reciprocal = unaryDef('Reciprocal', 'Reciprocal', (_x, y, g) => neg(mul(g, mul(y, y))));
export const Abs = unaryDef('Abs', 'Abs', (x, _y, g) => mul(g, sign(x)));
export const Sin = unaryDef('Sin', 'Sin', (x, _y, g) => mul(g, cos(x)));
export const Cos = unaryDef('Cos', 'Cos', (x, _y, g) => neg(mul(g, sin(x))));
export const Relu = unaryDef('Relu', 'Relu', (x, _y, g) => where(greater(x, 0), g, 0));
const Sign = unaryDef('Sign', 'Sign');

export const neg = (x: Tensor): Tensor => apply(Neg, [x], {});
export const sqrt = (x: Tensor): Tensor => apply(Sqrt, [x], {});
export const exp = (x: Tensor): Tensor => apply(Exp, [x], {});
export const log = (x: Tensor): Tensor => apply(Log, [x], {});
export const tanh = (x: Tensor): Tensor => apply(Tanh, [x], {});
export const erf = (x: Tensor): Tensor => apply(Erf, [x], {});
export const sigmoid = (x: Tensor): Tensor => apply(Sigmoid, [x], {});
export const reciprocal = (x: Tensor): Tensor => apply(Reciprocal, [x], {});
export const abs = (x: Tensor): Tensor => apply(Abs, [x], {});
export const sin = (x: Tensor): Tensor => apply(Sin, [x], {});
export const cos = (x: Tensor): Tensor => apply(Cos, [x], {});
export const relu = (x: Tensor): Tensor => apply(Relu, [x], {});
export const sign = (x: Tensor): Tensor => apply(Sign, [x], {});

// ---- selection, casting, clipping --------------------------------------------------------------

export const Where = defineOp({
  name: 'Where',
  infer: ([c, a, b]) => {
    if (c.dtype !== 'bool') throw new ShapeError(`Where: condition must be bool, got ${c.dtype}`);
    return [
      { dtype: sameDType('Where', [a, b]), shape: broadcastShapes('Where', c.shape, broadcastShapes('Where', a.shape, b.shape)) },
    ];
  },
  emit: (e, ins, outs) => e.node('Where', ins, outs),
  vjp: (n, [g]) => {
    const [c, a, b] = n.inputs;
    return [undefined, g && unbroadcast(where(c, g, 0), a.shape), g && unbroadcast(where(c, 0, g), b.shape)];
  },
});
export function where(c: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = binaryPair(a, b, 'Where');
  return apply(Where, [c, ta, tb], {});
}

export const Cast = defineOp<{ to: DType }>({
  name: 'Cast',
  infer: ([x], { to }) => [{ dtype: to, shape: x.shape }],
  emit: (e, ins, outs, { to }) => e.node('Cast', ins, outs, { to: ONNX_DTYPE[to] }),
  vjp: (n, [g]) => [g && isFloat(n.inputs[0].dtype) && isFloat(g.dtype) ? cast(g, n.inputs[0].dtype) : undefined],
});
export const cast = (x: Tensor, to: DType): Tensor => (x.dtype === to ? x : apply(Cast, [x], { to }));

// Clip(x, lo, hi) with scalar bounds: the gradient passes where lo <= x <= hi.
export const Clip = defineOp({
  name: 'Clip',
  infer: ([x, lo, hi]) => {
    sameDType('Clip', [x, lo, hi]);
    if (lo.rank !== 0 || hi.rank !== 0) throw new ShapeError('Clip: bounds must be scalars');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  emit: (e, ins, outs) => e.node('Clip', ins, outs),
  vjp: (n, [g]) => {
    const [x, lo, hi] = n.inputs;
    return [g && where(and(greaterOrEqual(x, lo), lessOrEqual(x, hi)), g, 0), undefined, undefined];
  },
});
export const clip = (x: Tensor, lo: number, hi: number): Tensor => apply(Clip, [x, lift(lo, x), lift(hi, x)], {});

/** Identity in the forward pass, zero gradient: for PPO targets and other constants of the loss. */
export const StopGradient = defineOp({
  name: 'StopGradient',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (e, ins, outs) => e.node('Identity', ins, outs),
  vjp: () => [undefined],
});
export const stopGradient = (x: Tensor): Tensor => apply(StopGradient, [x], {});
