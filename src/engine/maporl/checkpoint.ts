// Checkpoints of a MAPoRL run: checkpoints/step-NNNNNN/ holds, per policy, an HF model directory
// (policy-i/, plus value_head.safetensors) and its AdamW state (optimizer-i.safetensors), the
// verifier (verifier/, with score_head.safetensors) when it is learned, and trainer_state.json.
// Written into a temporary directory and renamed: a killed process never leaves a partial one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalTable } from '../../protocol/runRecords';
import type { HostTensor } from '../graph/graph';
import type { TrainState } from '../graph/train/trainStep';
import { isTempPath, writeDirAtomic, writeJsonAtomic } from '../io/atomic';
import { SafetensorsReader, writeSafetensors } from '../io/safetensors';
import { loadModel, saveModel, type CausalLM } from '../nn/model';
import { llamaParamShapes } from '../nn/llama';
import type { TokenizerSource } from './team';

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
}

export interface CheckpointContents {
  state: TrainerState;
  policies: { config: CausalLM['config']; train: TrainState; tokenizer: TokenizerSource }[];
  verifier?: { config: CausalLM['config']; weights: Record<string, HostTensor>; tokenizer: TokenizerSource };
}

export function checkpointName(iteration: number): string {
  return `step-${String(iteration).padStart(6, '0')}`;
}

/** The model's own tensors (its HF inventory) and everything else: the heads on its trunk. */
function split(config: CausalLM['config'], weights: Record<string, HostTensor>) {
  const inventory = llamaParamShapes(config);
  const model: Record<string, HostTensor> = {}, heads: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [n, t] of Object.entries(weights)) {
    if (n in inventory) model[n] = t;
    else heads[n] = { shape: t.shape, data: t.data as Float32Array };
  }
  return { model, heads };
}

async function saveWithHeads(dir: string, config: CausalLM['config'], weights: Record<string, HostTensor>, tokenizer: TokenizerSource, headFile: string): Promise<void> {
  const { model, heads } = split(config, weights);
  await saveModel(dir, { config, weights: model }, { tokenizerDir: tokenizer.dir, tokenizerFiles: tokenizer.files });
  writeSafetensors(path.join(dir, headFile), heads);
}

export async function saveCheckpoint(checkpointsDir: string, c: CheckpointContents): Promise<string> {
  const final = path.join(checkpointsDir, checkpointName(c.state.iteration));
  await writeDirAtomic(final, async (tmp) => {
    for (const [i, p] of c.policies.entries()) {
      await saveWithHeads(path.join(tmp, `policy-${i}`), p.config, p.train.params, p.tokenizer, 'value_head.safetensors');
      const opt: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (const [n, t] of Object.entries(p.train.m)) opt[`m.${n}`] = { shape: t.shape, data: t.data as Float32Array };
      for (const [n, t] of Object.entries(p.train.v)) opt[`v.${n}`] = { shape: t.shape, data: t.data as Float32Array };
      writeSafetensors(path.join(tmp, `optimizer-${i}.safetensors`), opt);
    }
    if (c.verifier) await saveWithHeads(path.join(tmp, 'verifier'), c.verifier.config, c.verifier.weights, c.verifier.tokenizer, 'score_head.safetensors');
    writeJsonAtomic(path.join(tmp, 'trainer_state.json'), c.state);
  }, { overwrite: true });
  return final;
}

/** The newest complete checkpoint directory of a run, or null. */
export function latestCheckpoint(checkpointsDir: string): string | null {
  if (!fs.existsSync(checkpointsDir)) return null;
  const names = fs.readdirSync(checkpointsDir)
    .filter((n) => /^step-\d{6}$/.test(n) && !isTempPath(n) && fs.existsSync(path.join(checkpointsDir, n, 'trainer_state.json')))
    .sort();
  return names.length ? path.join(checkpointsDir, names[names.length - 1]) : null;
}

function readHeads(file: string): Record<string, HostTensor> {
  const r = SafetensorsReader.open(file);
  try {
    return Object.fromEntries(r.names().map((n) => [n, { dtype: 'float32', shape: [...r.info(n).shape], data: r.readAsFloat32(n) } as HostTensor]));
  } finally {
    r.close();
  }
}

export function readTrainerState(dir: string): TrainerState {
  return JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8')) as TrainerState;
}

/** Policy i of a checkpoint as a model with its value head, and its optimizer state. */
export async function loadCheckpointPolicy(dir: string, i: number, optimizerSteps: number): Promise<{ model: CausalLM; valueHead: Record<string, HostTensor>; train: TrainState }> {
  const pdir = path.join(dir, `policy-${i}`);
  const model = await loadModel(pdir);
  const valueHead = readHeads(path.join(pdir, 'value_head.safetensors'));
  const opt = readHeads(path.join(dir, `optimizer-${i}.safetensors`));
  const m: Record<string, HostTensor> = {}, v: Record<string, HostTensor> = {};
  for (const [n, t] of Object.entries(opt)) (n.startsWith('m.') ? m : v)[n.slice(2)] = t;
  return { model, valueHead, train: { params: { ...model.weights, ...valueHead }, m, v, step: optimizerSteps } };
}

export async function loadCheckpointVerifier(dir: string): Promise<CausalLM | null> {
  const vdir = path.join(dir, 'verifier');
  if (!fs.existsSync(vdir)) return null;
  const model = await loadModel(vdir);
  Object.assign(model.weights, readHeads(path.join(vdir, 'score_head.safetensors')));
  return model;
}
