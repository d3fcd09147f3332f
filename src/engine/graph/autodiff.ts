// Reverse-mode autodiff over the graph: walks the nodes between `wrt` and `loss` backwards, calls each
// op's VJP rule and sums cotangents where a tensor fans out. Never looks at op names.
import { isFloat } from '../core/hostTensor';
import type { Tensor } from './graph';
import { add } from './ops/elementwise';
import { zerosLike } from './ops/indexing';
import { formatShape, shapesEqual } from './shape';

export class GradError extends Error {
  override name = 'GradError';
}

/**
 * Gradients of a scalar `loss` (or of `loss` against a given `seed` cotangent) with respect to
 * each tensor in `wrt`, emitted into the same graph. A tensor that does not influence the loss
 * gets zeros.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  if (!seed && loss.rank !== 0)
    throw new GradError(`grad: loss must be a scalar, got ${formatShape(loss.shape)}; pass a seed cotangent`);
  if (!isFloat(loss.dtype)) throw new GradError(`grad: loss must be a float tensor, got ${loss.dtype}`);
  for (const w of wrt) {
    if (!isFloat(w.dtype)) throw new GradError(`grad: cannot differentiate with respect to ${w.name} of dtype ${w.dtype}`);
    if (w.graph !== loss.graph) throw new GradError(`grad: ${w.name} belongs to another graph`);
  }
  const g = loss.graph;

  // Nodes that depend on some `wrt` (forward reachability), in creation order = topological order.
  const active = new Set<Tensor>(wrt);
  const forward: typeof g.nodes = [];
  for (const node of g.nodes) {
    if (node.inputs.some((x) => active.has(x))) {
      forward.push(node);
      for (const o of node.outputs) if (isFloat(o.dtype)) active.add(o);
    }
  }
  // ...restricted to those the loss depends on (backward reachability).
  const needed = new Set<Tensor>([loss]);
  const path: typeof g.nodes = [];
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (node.outputs.some((o) => needed.has(o))) {
      path.push(node);
      for (const x of node.inputs) if (active.has(x)) needed.add(x);
    }
  }

  const cot = new Map<Tensor, Tensor>();
  cot.set(loss, seed ?? g.constant(1, loss.dtype));
  for (const node of path) {
    const outCots = node.outputs.map((o) => cot.get(o));
    if (outCots.every((c) => c === undefined)) continue;
    if (!node.op.vjp)
      throw new GradError(`grad: op ${node.op.name} has no VJP rule but lies between the parameters and the loss`);
    const inCots = node.op.vjp(node, outCots);
    node.inputs.forEach((x, i) => {
      const c = inCots[i];
      if (!c || !active.has(x)) return;
      if (!shapesEqual(c.shape, x.shape)) {
        throw new GradError(`grad: VJP of ${node.op.name} gave ${formatShape(c.shape)} for input ${formatShape(x.shape)}`);
      }
      const prev = cot.get(x);
      cot.set(x, prev ? add(prev, c) : c);
    });
  }
  return wrt.map((w) => cot.get(w) ?? zerosLike(w));
}
