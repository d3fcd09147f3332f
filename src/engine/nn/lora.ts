// LoRA (Hu et al., 2021) on the linear layers of the Llama blocks, in the layout of Hugging Face PEFT
// (peft/tuners/lora/layer.py): for an adapted module with weight W [out, in],
//   y = x W^T (+ b) + scale * dropout(x) A^T B^T,   A = lora_A [r, in], B = lora_B [out, r],
// scale = lora_alpha / r (or lora_alpha / sqrt(r) with use_rslora). A starts Kaiming-uniform and B at
// zero, so a fresh adapter leaves the model unchanged. The base weights stay frozen (initializers);
// only A and B are trained. Adapters are saved as PEFT writes them (adapter_config.json +
// adapter_model.safetensors, tensor names `base_model.model.<module>.lora_A.weight`), and can be
// merged into the base: W' = W + scale * B A.
//
// Dropout applies only in training graphs (it needs a seed tensor) and is deterministic in that
// seed (see dropout.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../core/random';
import { dataOf, type HostTensor } from '../core/hostTensor';
import type { Tensor } from '../graph/graph';
import * as F from '../graph/ops';
import { writeDirAtomic, writeJsonAtomic } from '../io/atomic';
import { ModelFileError } from '../io/errors';
import type { ModelConfig } from '../io/hfConfig';
import { readJsonFile } from '../io/jsonFile';
import { SafetensorsReader, tensorToFloat32, writeSafetensors } from '../io/safetensors';
import { hashDropout, saltOf } from './dropout';
import { gemmLinear } from './linear';
import { llamaParamShapes, type LinearHook, type Weights } from './llama';

/** The linear layers of a Llama block, by the last part of their HF module name. */
export const LORA_MODULE_SUFFIXES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

export interface LoraConfig {
  r: number;
  alpha: number;
  /** Dropout on the adapter's input during training (0 for none). */
  dropout: number;
  /**
   * Module name suffixes (PEFT's list form: `q_proj` adapts every `model.layers.N.self_attn.q_proj`),
   * `all-linear`, or one regular expression that must match the whole module name (PEFT's string form).
   */
  targetModules: string[] | string;
  /** scale = alpha / sqrt(r) instead of alpha / r (PEFT `use_rslora`). */
  useRslora?: boolean;
  /** Written to adapter_config.json: where the base model came from. */
  baseModelNameOrPath?: string;
}

export const DEFAULT_LORA: LoraConfig = { r: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'v_proj'] };

export function loraScale(lora: LoraConfig): number {
  return lora.useRslora ? lora.alpha / Math.sqrt(lora.r) : lora.alpha / lora.r;
}

export interface LoraModule {
  module: string;
  inFeatures: number;
  outFeatures: number;
}

/** The adapted modules of a model, in layer order; throws when a target names no linear layer. */
export function loraModules(cfg: ModelConfig, lora: LoraConfig): LoraModule[] {
  if (!Number.isInteger(lora.r) || lora.r < 1) throw new RangeError(`LoRA rank must be a positive integer, got ${lora.r}`);
  if (!(lora.alpha > 0)) throw new RangeError(`LoRA alpha must be positive, got ${lora.alpha}`);
  if (!(lora.dropout >= 0 && lora.dropout < 1)) throw new RangeError(`LoRA dropout must be in [0, 1), got ${lora.dropout}`);
  const linear = Object.entries(llamaParamShapes(cfg))
    .filter(([name]) => name.startsWith('model.layers.') && LORA_MODULE_SUFFIXES.some((s) => name.endsWith(`.${s}.weight`)))
    .map(([name, [out, inp]]) => ({ module: name.slice(0, -'.weight'.length), inFeatures: inp, outFeatures: out }));
  const t = lora.targetModules;
  if (typeof t === 'string' && t !== 'all-linear') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${t})$`);
    } catch (err) {
      throw new RangeError(`LoRA target_modules: "${t}" is not a valid regular expression (${(err as Error).message})`, {
        cause: err,
      });
    }
    const picked = linear.filter((m) => re.test(m.module));
    if (picked.length === 0)
      throw new RangeError(`LoRA target_modules: "${t}" matches no linear layer (e.g. ${linear[0]?.module})`);
    return picked;
  }
  if (t === 'all-linear') return linear;
  if (t.length === 0) throw new RangeError('LoRA target_modules: empty list');
  for (const s of t) {
    if (!(LORA_MODULE_SUFFIXES as readonly string[]).includes(s)) {
      throw new RangeError(
        `LoRA target module "${s}" is not a linear layer of the blocks (choose from ${LORA_MODULE_SUFFIXES.join(', ')}, or all-linear)`,
      );
    }
  }
  return linear.filter((m) => t.some((s) => m.module.endsWith(`.${s}`)));
}

export const loraAName = (module: string): string => `${module}.lora_A.weight`;
export const loraBName = (module: string): string => `${module}.lora_B.weight`;

/** Shapes of the adapter tensors by name: lora_A [r, in], lora_B [out, r]. */
export function loraParamShapes(cfg: ModelConfig, lora: LoraConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const m of loraModules(cfg, lora)) {
    shapes[loraAName(m.module)] = [lora.r, m.inFeatures];
    shapes[loraBName(m.module)] = [m.outFeatures, lora.r];
  }
  return shapes;
}

/**
 * A fresh adapter: A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's kaiming_uniform_(a=sqrt(5))), B = 0.
 * Seeded: the same seed gives the same adapter.
 */
export function initLoraWeights(cfg: ModelConfig, lora: LoraConfig, seed: number): Record<string, HostTensor> {
  const uniform = seededRandom(seed ^ 0x10a4);
  const out: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(loraParamShapes(cfg, lora))) {
    const data = new Float32Array(shape[0] * shape[1]);
    if (name.endsWith('.lora_A.weight')) {
      const bound = 1 / Math.sqrt(shape[1]);
      for (let i = 0; i < data.length; i++) data[i] = (2 * uniform() - 1) * bound;
    }
    out[name] = { dtype: 'float32', shape, data };
  }
  return out;
}

/**
 * The linear hook of llamaForward that adds the LoRA path to adapted modules. `adapters` holds the
 * lora_A/lora_B tensors by name; `dropoutSeed` (an int64 scalar) switches dropout on: pass it in
 * training graphs only.
 */
export function loraLinear(lora: LoraConfig, adapters: Weights, dropoutSeed?: Tensor): LinearHook {
  const scale = loraScale(lora);
  return (module, x, weight, bias) => {
    const y = gemmLinear(x, weight, bias);
    const a = adapters[loraAName(module)];
    if (!a) return y;
    const b = adapters[loraBName(module)];
    if (!b) throw new Error(`LoRA: ${loraAName(module)} has no ${loraBName(module)}`);
    const xd = dropoutSeed && lora.dropout > 0 ? hashDropout(x, lora.dropout, dropoutSeed, saltOf(module)) : x;
    const delta = gemmLinear(gemmLinear(xd, a), b); // [..., r] then [..., out]
    return F.add(y, F.mul(delta, scale));
  };
}

/** Base weights with every adapter folded in: W' = W + scale * B A (new arrays; `base` untouched). */
export function mergeLora(
  base: Record<string, HostTensor>,
  lora: LoraConfig,
  adapters: Record<string, HostTensor>,
): Record<string, HostTensor> {
  const scale = loraScale(lora);
  const merged: Record<string, HostTensor> = { ...base };
  for (const aName of Object.keys(adapters).filter((n) => n.endsWith('.lora_A.weight'))) {
    const module = aName.slice(0, -'.lora_A.weight'.length);
    const w = base[`${module}.weight`];
    if (!w) throw new Error(`mergeLora: the base has no ${module}.weight`);
    const A = dataOf(adapters[aName], 'float32', aName),
      B = dataOf(adapters[loraBName(module)], 'float32', loraBName(module));
    const [out, inp] = w.shape,
      r = adapters[aName].shape[0];
    const data = Float32Array.from(dataOf(w, 'float32', `${module}.weight`));
    for (let o = 0; o < out; o++) {
      const row = o * inp;
      for (let k = 0; k < r; k++) {
        const bk = B[o * r + k] * scale;
        if (bk === 0) continue;
        const arow = k * inp;
        for (let i = 0; i < inp; i++) data[row + i] += bk * A[arow + i];
      }
    }
    merged[`${module}.weight`] = { dtype: 'float32', shape: [...w.shape], data };
  }
  return merged;
}

// ---- PEFT directories ------------------------------------------------------------------------------

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const PEFT_PREFIX = 'base_model.model.';

/** adapter_config.json as PEFT (0.10+) writes it for a causal-LM LoRA. */
export function peftConfigJson(lora: LoraConfig, modules: readonly string[]): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: lora.baseModelNameOrPath ?? null,
    r: lora.r,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    // The list form names suffixes; keep a regex as given.
    target_modules:
      typeof lora.targetModules === 'string' && lora.targetModules !== 'all-linear'
        ? lora.targetModules
        : [...new Set(modules.map((m) => m.slice(m.lastIndexOf('.') + 1)))].sort(),
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: lora.useRslora ?? false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
}

/** Writes a PEFT adapter directory atomically. */
export async function saveLoraAdapter(
  dir: string,
  lora: LoraConfig,
  adapters: Record<string, HostTensor>,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const modules = Object.keys(adapters)
    .filter((n) => n.endsWith('.lora_A.weight'))
    .map((n) => n.slice(0, -'.lora_A.weight'.length));
  await writeDirAtomic(
    dir,
    (tmp) => {
      writeJsonAtomic(path.join(tmp, ADAPTER_CONFIG_FILE), peftConfigJson(lora, modules));
      const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [name, t] of Object.entries(adapters))
        tensors[PEFT_PREFIX + name] = { shape: t.shape, data: dataOf(t, 'float32', name) };
      writeSafetensors(path.join(tmp, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
    },
    options,
  );
}

/**
 * The adapter_config.json of a PEFT LoRA directory as a LoraConfig. Features we do not implement
 * (DoRA, per-layer ranks, bias training) are refused with `<file>: <field>: <problem>`.
 */
export function readLoraAdapterConfig(dir: string): LoraConfig {
  const cfgFile = path.join(dir, ADAPTER_CONFIG_FILE);
  const raw = readJson(cfgFile);
  const bad = (field: string, what: string): never => {
    throw new ModelFileError(cfgFile, `${field}: ${what}`);
  };
  if (raw.peft_type !== 'LORA') bad('peft_type', `expected "LORA", got ${JSON.stringify(raw.peft_type)}`);
  if (!Number.isInteger(raw.r) || (raw.r as number) < 1) bad('r', `expected a positive integer, got ${JSON.stringify(raw.r)}`);
  if (typeof raw.lora_alpha !== 'number' || raw.lora_alpha <= 0)
    bad('lora_alpha', `expected a positive number, got ${JSON.stringify(raw.lora_alpha)}`);
  const tm = raw.target_modules;
  if (!(typeof tm === 'string' || (Array.isArray(tm) && tm.every((x) => typeof x === 'string'))))
    bad('target_modules', 'expected a list of module names or a regular expression');
  if (raw.use_dora === true) bad('use_dora', 'DoRA adapters are not supported');
  if (raw.bias !== undefined && raw.bias !== 'none') bad('bias', `only "none" is supported, got ${JSON.stringify(raw.bias)}`);
  if (raw.fan_in_fan_out === true) bad('fan_in_fan_out', 'transposed (Conv1D) weights are not supported');
  for (const f of ['rank_pattern', 'alpha_pattern'] as const) {
    if (raw[f] && typeof raw[f] === 'object' && Object.keys(raw[f] as object).length > 0)
      bad(f, 'per-layer ranks and alphas are not supported');
  }
  if (raw.layers_to_transform != null) bad('layers_to_transform', 'adapting a subset of layers is not supported');
  if (raw.modules_to_save != null && !(Array.isArray(raw.modules_to_save) && raw.modules_to_save.length === 0))
    bad('modules_to_save', 'fully trained extra modules are not supported');
  return {
    r: raw.r as number,
    alpha: raw.lora_alpha as number,
    dropout: typeof raw.lora_dropout === 'number' ? raw.lora_dropout : 0,
    targetModules: tm as string[] | string,
    useRslora: raw.use_rslora === true,
    baseModelNameOrPath: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : undefined,
  };
}

/**
 * Reads a PEFT LoRA adapter for a base model of config `cfg`; every tensor must be present with the
 * shape the config implies. Features we do not implement (DoRA, per-layer ranks, bias training) are
 * refused with `<file>: <field>: <problem>`.
 */
export function loadLoraAdapter(dir: string, cfg: ModelConfig): { config: LoraConfig; weights: Record<string, HostTensor> } {
  const cfgFile = path.join(dir, ADAPTER_CONFIG_FILE);
  const lora = readLoraAdapterConfig(dir);
  let shapes: Record<string, number[]>;
  try {
    shapes = loraParamShapes(cfg, lora);
  } catch (err) {
    throw new ModelFileError(cfgFile, (err as Error).message);
  }
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  if (!fs.existsSync(file)) throw new ModelFileError(dir, `${ADAPTER_WEIGHTS_FILE} not found`);
  const reader = SafetensorsReader.open(file);
  try {
    const weights: Record<string, HostTensor> = {};
    for (const [name, shape] of Object.entries(shapes)) {
      const stored = PEFT_PREFIX + name;
      if (!reader.has(stored))
        throw new ModelFileError(file, `missing tensor (adapter_config.json implies shape [${shape}])`, stored);
      const info = reader.info(stored);
      if (info.shape.length !== 2 || info.shape[0] !== shape[0] || info.shape[1] !== shape[1]) {
        throw new ModelFileError(
          file,
          `shape [${info.shape}] does not match the base model and adapter_config.json, which imply [${shape}]`,
          stored,
        );
      }
      weights[name] = { dtype: 'float32', shape, data: tensorToFloat32(reader.read(stored), file, stored) };
    }
    const unknown = reader.names().filter((n) => !(n.startsWith(PEFT_PREFIX) && n.slice(PEFT_PREFIX.length) in shapes));
    if (unknown.length > 0)
      throw new ModelFileError(
        file,
        `unexpected tensors for this adapter: ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}`,
      );
    return { config: lora, weights };
  } finally {
    reader.close();
  }
}

function readJson(file: string): Record<string, unknown> {
  const json = readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelFileError(file, 'expected a JSON object');
  return json as Record<string, unknown>;
}

/**
 * The tensors of a PEFT adapter directory by engine name (`<module>.lora_A.weight`), without the
 * checks of loadLoraAdapter: for a caller that checks names and shapes against live adapters (a
 * resumed run) and has no base config at hand.
 */
export function readLoraAdapterTensors(dir: string): Record<string, HostTensor> {
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  if (!fs.existsSync(file)) throw new ModelFileError(dir, `${ADAPTER_WEIGHTS_FILE} not found`);
  const reader = SafetensorsReader.open(file);
  try {
    const out: Record<string, HostTensor> = {};
    for (const n of reader.names()) {
      if (!n.startsWith(PEFT_PREFIX))
        throw new ModelFileError(file, `unexpected tensor (PEFT names start with ${PEFT_PREFIX})`, n);
      out[n.slice(PEFT_PREFIX.length)] = { dtype: 'float32', shape: [...reader.info(n).shape], data: reader.readAsFloat32(n) };
    }
    return out;
  } finally {
    reader.close();
  }
}
