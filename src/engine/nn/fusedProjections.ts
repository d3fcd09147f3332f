// Fused projections: a block's q/k/v projections as one linear layer `self_attn.qkv_proj` and its
// gate/up projections as one `mlp.gate_up_proj`, their weights stacked on the output axis
// ([q; k; v] is [(H + 2 KVH) D, C], [gate; up] is [2 I, C]). One product of x by the stacked matrix
// gives the same outputs as the separate products, in one kernel instead of three or two — what sets
// the time of a small model's decode step and of the hidden-64 PPO step (docs/performance.md).
//
// Checkpoints keep HF's separate tensors (q_proj, k_proj, v_proj, gate_proj, up_proj); the stacked
// ones exist only inside graphs: concatenated on the host for inference (fuseHostProjections, done
// once per weight update) or in the graph for training (fuseGraphProjections: the Concat's gradient
// is a split, so each separate tensor gets its own gradient).
import { type HostTensor } from '../core/hostTensor';
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import type { ModelConfig } from '../io/hfConfig';

/** Graph tensors by HF name (llama.ts's Weights, not imported: llama.ts imports this file). */
type Weights = Record<string, Tensor>;

/** The stacked modules and the separate ones each replaces, in stacking order. */
export const FUSED_MODULES = {
  'self_attn.qkv_proj': ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj'],
  'mlp.gate_up_proj': ['mlp.gate_proj', 'mlp.up_proj'],
} as const;

type FusedModule = keyof typeof FUSED_MODULES;

/** Output sizes of the parts of a stacked module: [H D, KVH D, KVH D] or [I, I]. */
export function fusedSizes(cfg: ModelConfig, module: FusedModule): number[] {
  if (module === 'mlp.gate_up_proj') return [cfg.intermediateSize, cfg.intermediateSize];
  return [cfg.numAttentionHeads * cfg.headDim, cfg.numKeyValueHeads * cfg.headDim, cfg.numKeyValueHeads * cfg.headDim];
}

/**
 * The layer prefixes `model.layers.N.` where all parts of `module` have a weight and either all or
 * none have a bias (a layer with some biases only is left unfused).
 */
function layersWith(names: Iterable<string>, module: FusedModule): string[] {
  const present = new Set(names);
  const prefixes = new Set<string>();
  for (const n of present) {
    const m = /^(model\.layers\.\d+\.)/.exec(n);
    if (!m) continue;
    const has = (kind: string) => FUSED_MODULES[module].filter((part) => present.has(`${m[1]}${part}.${kind}`)).length;
    const parts = FUSED_MODULES[module].length;
    if (has('weight') === parts && (has('bias') === 0 || has('bias') === parts)) prefixes.add(m[1]);
  }
  return [...prefixes];
}

/**
 * Inference weights with each layer's q/k/v and gate/up tensors replaced by their stacked tensors
 * (weights and, where present, biases), concatenated on the host; other tensors are shared, not
 * copied. `partsOf` maps a stacked name back to the separate ones.
 */
export function fuseHostProjections(weights: Record<string, HostTensor>): Record<string, HostTensor> {
  const out = { ...weights };
  for (const module of Object.keys(FUSED_MODULES) as FusedModule[]) {
    for (const p of layersWith(Object.keys(weights), module)) {
      for (const kind of ['weight', 'bias'] as const) {
        const names = FUSED_MODULES[module].map((part) => `${p}${part}.${kind}`);
        if (!weights[names[0]]) continue;
        out[`${p}${module}.${kind}`] = stackRows(names.map((n) => weights[n]));
        for (const n of names) delete out[n];
      }
    }
  }
  return out;
}

/** The separate tensors a stacked tensor's name stands for (the name itself when it is not stacked). */
export function partsOf(name: string): string[] {
  for (const [module, parts] of Object.entries(FUSED_MODULES)) {
    const m = new RegExp(`^(model\\.layers\\.\\d+\\.)${module.replace('.', '\\.')}\\.(weight|bias)$`).exec(name);
    if (m) return parts.map((part) => `${m[1]}${part}.${m[2]}`);
  }
  return [name];
}

/** float32 tensors [n_i, ...rest] stacked on the first axis: [Σ n_i, ...rest]. */
function stackRows(parts: HostTensor[]): HostTensor {
  const rest = parts[0].shape.slice(1);
  const rows = parts.reduce((n, t) => n + t.shape[0], 0);
  const data = new Float32Array(parts.reduce((n, t) => n + t.data.length, 0));
  let at = 0;
  for (const t of parts) {
    if (t.dtype !== 'float32') throw new Error(`fused projections: ${t.dtype} weights are not stacked`);
    data.set(t.data as Float32Array, at);
    at += t.data.length;
  }
  return { dtype: 'float32', shape: [rows, ...rest], data };
}

/**
 * Graph weights with a stacked tensor per layer and module, made by a Concat of the separate ones
 * (which stay in the record: the last layer under queryIndex uses q_proj alone). Layers that
 * already hold stacked tensors (host-fused inference weights) are left as they are.
 */
export function fuseGraphProjections(w: Weights): Weights {
  const out = { ...w };
  for (const module of Object.keys(FUSED_MODULES) as FusedModule[]) {
    for (const p of layersWith(Object.keys(w), module)) {
      if (out[`${p}${module}.weight`]) continue;
      for (const kind of ['weight', 'bias'] as const) {
        const parts = FUSED_MODULES[module].map((part) => w[`${p}${part}.${kind}`]);
        if (parts[0]) out[`${p}${module}.${kind}`] = F.concat(parts, 0);
      }
    }
  }
  return out;
}
