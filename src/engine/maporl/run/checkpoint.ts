// Checkpoints of a MAPoRL run. checkpoints/step-NNNNNN/ holds, per policy i:
//   policy-i/                 full fine-tuning: an HF model directory; LoRA: a PEFT adapter
//                             directory (adapter_config.json, adapter_model.safetensors) whose
//                             base_model_name_or_path names the base, plus base_model.json (the
//                             base's directory, or its preset and seed); either way
//                             value_head.safetensors (empty without a shared-trunk critic)
//   optimizer-i.safetensors   AdamW moments of policy-i's trainable tensors
//   critic-i/                 a separate critic: value_model.safetensors (its trunk and head) or,
//                             under LoRA, a PEFT adapter directory plus value_head.safetensors;
//                             and optimizer.safetensors (its moments; its step in the metadata)
// and the verifier (verifier/, with score_head.safetensors) when it is learned, and
// trainer_state.json, and last manifest.json: every file's length and SHA-256 (io/checkpointManifest.ts).
// Written into a temporary directory and renamed: a killed process never leaves a partial one, and
// a checkpoint damaged later is skipped by `latestCheckpoint` (io/checkpoints.ts, shared with SFT's,
// as are the names and the optimizer files).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalTable } from '../../../protocol/runRecords';
import { dataOf, type HostTensor } from '../../core/hostTensor';
import type { TrainState } from '../../runtime/trainStep';
import { writeDirAtomic, writeJsonAtomic } from '../../io/atomic';
import { writeManifest } from '../../io/checkpointManifest';
import { checkpointName, readAdamMoments, TRAINER_STATE_FILE, writeAdamMoments } from '../../io/checkpoints';
import { ModelFileError } from '../../io/errors';
import { SafetensorsReader, writeSafetensors } from '../../io/safetensors';
import {
  ADAPTER_CONFIG_FILE,
  loadLoraAdapter,
  mergeLora,
  readLoraAdapterConfig,
  readLoraAdapterTensors,
  saveLoraAdapter,
  type LoraConfig,
} from '../../nn/lora';
import { createPresetModel, loadModel, saveModel, type CausalLM } from '../../nn/model';
import { llamaParamShapes } from '../../nn/llama';
import type { BaseSource, PolicyState } from '../ppo/policy';
import type { LogMarks } from './runDir';
import type { TokenizerSource } from '../ppo/team';

export interface TrainerState {
  /** Iterations completed. */
  iteration: number;
  policySharing: string;
  policies: number;
  /** The team's size and discussion length (defaults for `maporl eval`). */
  agents: number;
  turns: number;
  optimizerSteps: number[];
  verifier: 'learned' | 'ground-truth';
  verifierReport?: Record<string, number>;
  /** The evaluation before training, so a resumed run's summary still has it. */
  before?: EvalTable;
  /** Where events.jsonl and transcripts.jsonl ended when this was written: a resume cuts them back to it. */
  logs?: LogMarks;
}

export interface CheckpointContents {
  state: TrainerState;
  policies: { config: CausalLM['config']; train: PolicyState; tokenizer: TokenizerSource }[];
  verifier?: { config: CausalLM['config']; weights: Record<string, HostTensor>; tokenizer: TokenizerSource };
}

const VALUE_HEAD_FILE = 'value_head.safetensors';
const BASE_FILE = 'base_model.json';
const isAdapter = (n: string) => n.endsWith('.lora_A.weight') || n.endsWith('.lora_B.weight');
type Tensors = Record<string, { shape: number[]; data: Float32Array }>;
const tensors = (w: Record<string, HostTensor>): Tensors =>
  Object.fromEntries(Object.entries(w).map(([n, t]) => [n, { shape: t.shape, data: dataOf(t, 'float32', n) }]));

/** The model's own tensors (its HF inventory) and everything else: the heads on its trunk. */
function split(config: CausalLM['config'], weights: Record<string, HostTensor>) {
  const inventory = llamaParamShapes(config);
  const model: Record<string, HostTensor> = {},
    heads: Record<string, HostTensor> = {};
  for (const [n, t] of Object.entries(weights)) (n in inventory ? model : heads)[n] = t;
  return { model, heads };
}

async function saveWithHeads(
  dir: string,
  config: CausalLM['config'],
  weights: Record<string, HostTensor>,
  tokenizer: TokenizerSource,
  headFile: string,
): Promise<void> {
  const { model, heads } = split(config, weights);
  await saveModel(dir, { config, weights: model }, { tokenizerDir: tokenizer.dir, tokenizerFiles: tokenizer.files });
  writeSafetensors(path.join(dir, headFile), tensors(heads));
}

/** Adapters as a PEFT directory, the other tensors (a value head) beside them. */
async function saveAdapters(
  dir: string,
  lora: LoraConfig,
  base: BaseSource | undefined,
  params: Record<string, HostTensor>,
): Promise<void> {
  const adapters = Object.fromEntries(Object.entries(params).filter(([n]) => isAdapter(n)));
  const others = Object.fromEntries(Object.entries(params).filter(([n]) => !isAdapter(n)));
  const nameOrPath = base && ('dir' in base ? base.dir : base.preset);
  await saveLoraAdapter(dir, { ...lora, baseModelNameOrPath: nameOrPath }, adapters);
  writeSafetensors(path.join(dir, VALUE_HEAD_FILE), tensors(others));
  if (base) writeJsonAtomic(path.join(dir, BASE_FILE), base);
}

export async function saveCheckpoint(checkpointsDir: string, c: CheckpointContents): Promise<string> {
  const final = path.join(checkpointsDir, checkpointName(c.state.iteration));
  await writeDirAtomic(
    final,
    async (tmp) => {
      for (const [i, p] of c.policies.entries()) {
        const { lora, critic } = p.train;
        if (lora) await saveAdapters(path.join(tmp, `policy-${i}`), lora.config, lora.base, p.train.params);
        else await saveWithHeads(path.join(tmp, `policy-${i}`), p.config, p.train.params, p.tokenizer, VALUE_HEAD_FILE);
        writeAdamMoments(path.join(tmp, `optimizer-${i}.safetensors`), p.train);
        if (critic) {
          const cdir = path.join(tmp, `critic-${i}`);
          if (lora) await saveAdapters(cdir, lora.config, lora.base, critic.params);
          else {
            fs.mkdirSync(cdir);
            writeSafetensors(path.join(cdir, 'value_model.safetensors'), tensors(critic.params));
          }
          writeAdamMoments(path.join(cdir, 'optimizer.safetensors'), critic, { step: String(critic.step) });
        }
      }
      if (c.verifier)
        await saveWithHeads(
          path.join(tmp, 'verifier'),
          c.verifier.config,
          c.verifier.weights,
          c.verifier.tokenizer,
          'score_head.safetensors',
        );
      writeJsonAtomic(path.join(tmp, TRAINER_STATE_FILE), c.state);
      writeManifest(tmp);
    },
    { overwrite: true },
  );
  return final;
}

/** Every tensor of a safetensors file (heads, a separate critic's weights) as float32. */
function readHeads(file: string): Record<string, HostTensor> {
  const r = SafetensorsReader.open(file);
  try {
    return Object.fromEntries(
      r.names().map((n) => [n, { dtype: 'float32', shape: [...r.info(n).shape], data: r.readAsFloat32(n) } as HostTensor]),
    );
  } finally {
    r.close();
  }
}

/** AdamW moments from `file`; the step count from its metadata when it has one (a critic's), else `step`. */
function readOptimizer(file: string, params: Record<string, HostTensor>, step: number): TrainState {
  const { m, v, metadata } = readAdamMoments(file);
  return { params, m, v, step: metadata.step !== undefined ? Number(metadata.step) : step };
}

export function readTrainerState(dir: string): TrainerState {
  return JSON.parse(fs.readFileSync(path.join(dir, TRAINER_STATE_FILE), 'utf8')) as TrainerState;
}

const isLoraDir = (dir: string) => fs.existsSync(path.join(dir, ADAPTER_CONFIG_FILE));

/** The trainable tensors saved in policy-i/ or critic-i/: adapters and heads, or a model with its heads. */
async function readTrainable(
  dir: string,
  fullModel: () => Promise<Record<string, HostTensor>>,
): Promise<Record<string, HostTensor>> {
  if (isLoraDir(dir)) return { ...readLoraAdapterTensors(dir), ...readHeads(path.join(dir, VALUE_HEAD_FILE)) };
  return fullModel();
}

/**
 * Policy i of a checkpoint as a resumed run restores it (Policy.restore checks every name and
 * shape against the run's own policy): its trainable tensors and AdamW state, the LoRA settings
 * they were saved with, and a separate critic's.
 */
export async function loadCheckpointPolicy(dir: string, i: number, optimizerSteps: number): Promise<{ train: PolicyState }> {
  const pdir = path.join(dir, `policy-${i}`);
  const params = await readTrainable(pdir, async () => ({
    ...(await loadModel(pdir)).weights,
    ...readHeads(path.join(pdir, VALUE_HEAD_FILE)),
  }));
  const train: PolicyState = readOptimizer(path.join(dir, `optimizer-${i}.safetensors`), params, optimizerSteps);
  if (isLoraDir(pdir)) train.lora = { config: readLoraAdapterConfig(pdir), base: readBaseSource(pdir) };
  const cdir = path.join(dir, `critic-${i}`);
  if (fs.existsSync(cdir)) {
    const cparams = await readTrainable(cdir, async () => readHeads(path.join(cdir, 'value_model.safetensors')));
    train.critic = readOptimizer(path.join(cdir, 'optimizer.safetensors'), cparams, optimizerSteps);
  }
  return { train };
}

function readBaseSource(dir: string): BaseSource | undefined {
  const file = path.join(dir, BASE_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BaseSource) : undefined;
}

/**
 * Policy i of a checkpoint as a model to sample from: the saved model, or under LoRA its base
 * (from base_model.json) with the adapters merged in.
 */
export async function loadCheckpointModel(dir: string, i: number): Promise<CausalLM> {
  const pdir = path.join(dir, `policy-${i}`);
  if (!isLoraDir(pdir)) return loadModel(pdir);
  const source = readBaseSource(pdir);
  if (!source) throw new ModelFileError(pdir, `${BASE_FILE} not found: the adapters' base model is unknown`);
  const base = 'dir' in source ? await loadModel(source.dir) : await createPresetModel(source.preset, source.seed);
  const { config, weights } = loadLoraAdapter(pdir, base.config);
  return { ...base, weights: mergeLora(base.weights, config, weights) };
}

export async function loadCheckpointVerifier(dir: string): Promise<CausalLM | null> {
  const vdir = path.join(dir, 'verifier');
  if (!fs.existsSync(vdir)) return null;
  const model = await loadModel(vdir);
  Object.assign(model.weights, readHeads(path.join(vdir, 'score_head.safetensors')));
  return model;
}
