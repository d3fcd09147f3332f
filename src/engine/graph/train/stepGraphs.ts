// The graphs of one optimizer step: forward, loss, backward, global-norm clipping and AdamW.
// Inputs: parameters, Adam moments, batch, lr, step; outputs: new parameters and moments, metrics.
// Frozen tensors (a base model under LoRA, a reference policy) are initializers, loaded once.
// runtime/trainStep.ts compiles them into sessions and runs them.
//
// Gradient accumulation uses two more graphs: `grads` adds one micro-batch's gradients into a
// running sum (the only copy of the gradients the host keeps) and `apply` updates from that sum.
import type { DType, HostTensor } from '../../core/hostTensor';
import { grad } from '../autodiff';
import { Graph, type Tensor } from '../graph';
import * as F from '../ops';
import type { Dim } from '../shape';
import { adamwUpdate, clipScale, DEFAULT_ADAMW, globalNorm, type AdamWConfig } from './optim';

export interface ParamSpec {
  shape: number[];
  /** Apply weight decay (default true). */
  decay?: boolean;
  /** This parameter's learning rate is lr × lrScale (default 1): e.g. a fresh head on a pretrained trunk. */
  lrScale?: number;
}

export interface LossOutput {
  loss: Tensor;
  metrics?: Record<string, Tensor>;
}

export interface TrainStepSpec {
  name?: string;
  /** Float type of parameters, moments and the loss: float32, or float64 for reference checks. */
  dtype?: 'float32' | 'float64';
  params: Record<string, ParamSpec>;
  frozen?: Record<string, HostTensor>;
  batch: Record<string, { dtype: DType; shape: Dim[] }>;
  loss: (params: Record<string, Tensor>, batch: Record<string, Tensor>, frozen: Record<string, Tensor>) => LossOutput;
  optimizer?: Partial<AdamWConfig>;
  /** Clip the global gradient norm to this value (none when undefined). */
  maxGradNorm?: number;
}

type Built = {
  graph: Graph;
  p: Record<string, Tensor>;
  batch: Record<string, Tensor>;
  frozen: Record<string, Tensor>;
  out: LossOutput;
};

function buildForward(spec: TrainStepSpec, graphName: string): Built {
  const dtype = spec.dtype ?? 'float32';
  const graph = new Graph(graphName);
  const p: Record<string, Tensor> = {};
  for (const [name, ps] of Object.entries(spec.params)) p[name] = graph.input(`param.${name}`, dtype, ps.shape);
  const batch: Record<string, Tensor> = {};
  for (const [name, b] of Object.entries(spec.batch)) batch[name] = graph.input(`batch.${name}`, b.dtype, b.shape);
  const frozen: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(spec.frozen ?? {})) frozen[name] = graph.initializer(`frozen.${name}`, t);
  const out = spec.loss(p, batch, frozen);
  if (out.loss.rank !== 0) throw new Error(`${graphName}: the loss must be a scalar, got [${out.loss.shape}]`);
  if (out.loss.dtype !== dtype) throw new Error(`${graphName}: the loss is ${out.loss.dtype}, parameters are ${dtype}`);
  return { graph, p, batch, frozen, out };
}

function outputMetrics(b: Built): void {
  for (const [k, t] of Object.entries(b.out.metrics ?? {})) b.graph.output(`metric.${k}`, F.cast(t, b.out.loss.dtype));
}

/** Clipping, the non-finite flag (the host skips the step on it) and AdamW for every parameter. */
function emitUpdate(spec: TrainStepSpec, b: Built, grads: Tensor[], loss: Tensor): void {
  const g = b.graph;
  const dtype = spec.dtype ?? 'float32';
  const lr = g.input('lr', dtype, []);
  const step = g.input('step', dtype, []);
  const names = Object.keys(spec.params);
  const norm = globalNorm(grads);
  const finite = F.and(F.isFinite(loss), F.isFinite(norm));
  const scale = spec.maxGradNorm !== undefined ? clipScale(norm, spec.maxGradNorm) : undefined;
  const cfg = { ...DEFAULT_ADAMW, ...spec.optimizer };
  names.forEach((name, i) => {
    const m = g.input(`m.${name}`, dtype, spec.params[name].shape);
    const v = g.input(`v.${name}`, dtype, spec.params[name].shape);
    // No in-graph guard: when `finite` is false the new.* outputs may hold NaN and the host keeps
    // the old state (TrainStep.finish in runtime/trainStep.ts). Guarding here took four Where
    // passes over every parameter, about 4% of a hidden-512 step (docs/performance.md).
    const lrScale = spec.params[name].lrScale ?? 1;
    const next = adamwUpdate(
      { param: b.p[name], m, v },
      grads[i],
      lrScale === 1 ? lr : F.mul(lr, lrScale),
      step,
      cfg,
      spec.params[name].decay ?? true,
      scale,
    );
    g.output(`new.param.${name}`, next.param);
    g.output(`new.m.${name}`, next.m);
    g.output(`new.v.${name}`, next.v);
  });
  g.output('gradNorm', norm);
  g.output('finite', finite);
}

export function buildStepGraph(spec: TrainStepSpec): Graph {
  const b = buildForward(spec, spec.name ?? 'train_step');
  const names = Object.keys(spec.params);
  const grads = grad(
    b.out.loss,
    names.map((n) => b.p[n]),
  );
  emitUpdate(spec, b, grads, b.out.loss);
  b.graph.output('loss', b.out.loss);
  outputMetrics(b);
  return b.graph;
}

/** Gradients of one micro-batch, added to the running sum `acc.*` unless `first`. */
export function buildGradsGraph(spec: TrainStepSpec, accumulate: boolean): Graph {
  const b = buildForward(spec, `${spec.name ?? 'train_step'}_grads`);
  const names = Object.keys(spec.params);
  const grads = grad(
    b.out.loss,
    names.map((n) => b.p[n]),
  );
  names.forEach((name, i) => {
    const acc = accumulate ? b.graph.input(`acc.${name}`, spec.dtype ?? 'float32', spec.params[name].shape) : undefined;
    b.graph.output(`new.acc.${name}`, acc ? F.add(acc, grads[i]) : F.add(grads[i], 0));
  });
  b.graph.output('loss', b.out.loss);
  outputMetrics(b);
  return b.graph;
}

/** The update from accumulated gradients, scaled by `scale` (1 / number of micro-batches). */
export function buildApplyGraph(spec: TrainStepSpec): Graph {
  const dtype = spec.dtype ?? 'float32';
  const graph = new Graph(`${spec.name ?? 'train_step'}_apply`);
  const p: Record<string, Tensor> = {};
  for (const [name, ps] of Object.entries(spec.params)) p[name] = graph.input(`param.${name}`, dtype, ps.shape);
  const scale = graph.input('scale', dtype, []);
  const names = Object.keys(spec.params);
  const grads = names.map((n) => F.mul(graph.input(`acc.${n}`, dtype, spec.params[n].shape), scale));
  // The mean loss was already checked per micro-batch on the host; the norm guards the gradients.
  const b: Built = { graph, p, batch: {}, frozen: {}, out: { loss: graph.constant(0, dtype) } };
  emitUpdate(spec, b, grads, F.mul(scale, 0));
  return graph;
}
