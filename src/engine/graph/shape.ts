// Shapes with static sizes and named dynamic dims.
//
// A dim is a number or a symbol. Symbols are canonical products of named factors with an optional
// integer coefficient, e.g. "B", "B*T", "4*B*T": reshaping [B, T, C] to [-1, C] yields "B*T", and a
// later reshape back can be checked symbolically. Two dims are equal when their canonical forms are.

export type Dim = number | string;
export type Shape = readonly Dim[];

export class ShapeError extends Error {
  override name = 'ShapeError';
}

interface Factored {
  coef: number;
  names: string[];
}

function factor(d: Dim): Factored {
  if (typeof d === 'number') return { coef: d, names: [] };
  let coef = 1;
  const names: string[] = [];
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) coef *= Number(part);
    else names.push(part);
  }
  return { coef, names: names.sort() };
}

function unfactor(f: Factored): Dim {
  if (f.names.length === 0) return f.coef;
  return (f.coef === 1 ? [] : [String(f.coef)]).concat(f.names).join('*');
}

/** Canonical product of dims: mulDims(2, "T", "B") === "2*B*T". */
export function mulDims(...dims: Dim[]): Dim {
  const out: Factored = { coef: 1, names: [] };
  for (const d of dims) {
    const f = factor(d);
    out.coef *= f.coef;
    out.names.push(...f.names);
  }
  out.names.sort();
  return unfactor(out);
}

/** a / b when b's factors divide a's exactly, else undefined. */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const fa = factor(a),
    fb = factor(b);
  if (fb.coef === 0 || fa.coef % fb.coef !== 0) return undefined;
  const names = [...fa.names];
  for (const n of fb.names) {
    const i = names.indexOf(n);
    if (i < 0) return undefined;
    names.splice(i, 1);
  }
  return unfactor({ coef: fa.coef / fb.coef, names });
}

export function canonicalDim(d: Dim): Dim {
  return typeof d === 'number' ? d : mulDims(d);
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return canonicalDim(a) === canonicalDim(b);
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimsEqual(d, b[i]));
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** Numpy-style broadcast of two shapes; `op` names the operation in the error. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (dimsEqual(da, db) || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else
      throw new ShapeError(`${op}: cannot broadcast shapes ${formatShape(a)} and ${formatShape(b)} (axis ${i}: ${da} vs ${db})`);
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of rank `rank`. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}
