// "Your data…": an experiment over the user's JSONL files and Hugging Face model. The files are read
// with the engine's own loaders (so what passes here trains), the format is told from the first
// record, and the config trains LoRA adapters on the model with the built-in templates' team and
// schedule. Node fs only, no vscode; the model itself is checked by the engine (a job), not here.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { MaporlConfigInput } from '../../protocol/configSchema';
import { DataError } from '../../engine/tasks/jsonl';
import { loadJsonlTask } from '../../engine/tasks/loaders';

export type DataFormat = 'gsm8k' | 'nli-jsonl';

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The format of a JSONL file from its first record: `question` → GSM8K, `premise`/`context` + `hypothesis` → NLI. */
export function detectFormat(file: string): Checked<DataFormat> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    return { ok: false, problem: `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() !== '');
  if (at < 0) return { ok: false, problem: `${file}: the file is empty` };
  let first: unknown;
  try {
    first = JSON.parse(lines[at]);
  } catch (e) {
    return { ok: false, problem: `${file}:${at + 1}: invalid JSON (${(e as Error).message})` };
  }
  const keys = typeof first === 'object' && first !== null ? Object.keys(first) : [];
  if (keys.includes('question')) return { ok: true, value: 'gsm8k' };
  if ((keys.includes('premise') || keys.includes('context')) && keys.includes('hypothesis'))
    return { ok: true, value: 'nli-jsonl' };
  return {
    ok: false,
    problem: `${file}:${at + 1}: neither GSM8K ({"question", "answer": "… #### N"}) nor NLI ({"premise", "hypothesis", "label"}); its keys are ${keys.join(', ') || 'none'}`,
  };
}

/** Loads every record of a file as the engine would; the first bad record's `file:line: problem` otherwise. */
export function checkDataFile(format: DataFormat, file: string): Checked<number> {
  try {
    return { ok: true, value: loadJsonlTask(format, file).records.length };
  } catch (e) {
    if (e instanceof DataError) return { ok: false, problem: e.message };
    throw e;
  }
}

/** The parts of a Hugging Face model directory the engine reads; the first missing one otherwise. */
export function checkModelLayout(dir: string): Checked<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, problem: `${dir}: not a directory` };
  if (!existsSync(join(dir, 'config.json')))
    return {
      ok: false,
      problem: `${dir}: no config.json (a Hugging Face model directory has config.json, model.safetensors and tokenizer.json)`,
    };
  let arch: string;
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { architectures?: unknown; model_type?: unknown };
    arch = Array.isArray(cfg.architectures) ? String(cfg.architectures[0] ?? '') : String(cfg.model_type ?? '');
  } catch (e) {
    return { ok: false, problem: `${join(dir, 'config.json')}: invalid JSON (${(e as Error).message})` };
  }
  const weights = existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json'));
  if (!weights) return { ok: false, problem: `${dir}: no model.safetensors (or model.safetensors.index.json)` };
  if (!existsSync(join(dir, 'tokenizer.json'))) return { ok: false, problem: `${dir}: no tokenizer.json` };
  return { ok: true, value: arch || 'model' };
}

/** A path as the config writes it: relative to the config's folder when inside it, else absolute. */
export function configPath(configDir: string, file: string): string {
  const rel = relative(configDir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** A model directory as a model spec: `./` in front of a relative path, so it never reads as a preset name. */
export function modelSpec(configDir: string, dir: string): string {
  const p = configPath(configDir, dir);
  return isAbsolute(p) || p.startsWith('.') ? p : `./${p}`;
}

export interface UserData {
  name: string;
  /** Absolute paths. */
  configFile: string;
  trainFile: string;
  testFile: string;
  modelDir: string;
  format: DataFormat;
  trainRecords: number;
  testRecords: number;
}

/**
 * The config of "Your data…": the built-in templates' team and schedule, LoRA on the user's model
 * (full fine-tuning of a real model does not fit two CPU cores), the ground truth as reward (both
 * formats have gold answers), and room for worked solutions in GSM8K responses.
 */
export function userDataConfig(u: UserData): MaporlConfigInput {
  const base = dirname(u.configFile);
  return {
    name: u.name,
    seed: 0,
    task: {
      type: u.format,
      trainFile: configPath(base, u.trainFile),
      testFile: configPath(base, u.testFile),
      nTrain: u.trainRecords,
      nTest: u.testRecords,
    },
    agents: { count: 3, models: [modelSpec(base, u.modelDir)], policySharing: 'shared' },
    discussion: { turns: 3 },
    generation: { maxNewTokens: u.format === 'gsm8k' ? 256 : 32, temperature: 0.7 },
    verifier: { type: 'ground-truth' },
    training: { mode: 'maporl', iterations: 40, questionsPerIteration: 32, samplesPerQuestion: 4, lora: { rank: 8 } },
    eval: { every: 10, questions: Math.min(100, u.testRecords) },
    checkpoint: { every: 10 },
  };
}
