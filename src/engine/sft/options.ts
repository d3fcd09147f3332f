// The options of `maporl sft`: their type and defaults, their validation, the learning-rate schedule,
// and the fingerprint that a resume must match (the options, the data and the base model that
// decide every step's numbers).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoraConfig } from '../nn/lora';
import type { PromptFormat } from '../prompts/tokens';
import type { RuntimeOptions } from '../runtime/session';

/** Bad options, data or output directory: the CLI reports these with exit code 2. */
export class SftInputError extends Error {
  override readonly name = 'SftInputError';
}

export interface SftOptions {
  /** Base model directory. */
  model: string;
  /** JSONL of {"prompt", "completion"}. */
  data: string;
  out: string;
  /** Held-out JSONL: its completion loss is measured before training, at checkpoints and at the end. */
  evalData?: string;
  epochs: number;
  lr: number;
  /** Sequences per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step (gradient accumulation). */
  accumulate: number;
  /** Stop after this many optimizer steps (before the epochs are done). */
  maxSteps?: number;
  warmupSteps: number;
  schedule: 'constant' | 'cosine';
  weightDecay: number;
  maxGradNorm: number;
  /** Longer sequences lose the end of their completion. */
  maxLength: number;
  seed: number;
  /** Checkpoint every N optimizer steps (0: only at the end). */
  saveEvery: number;
  /** Checkpoints kept (0: all). */
  keepCheckpoints: number;
  format: PromptFormat;
  /** LoRA instead of full fine-tuning. */
  lora?: LoraConfig;
  /** Continue from the newest checkpoint in `out`. */
  resume: boolean;
  /** Replace an existing run in `out`. */
  force: boolean;
  runtime?: RuntimeOptions;
  /** A LoRA base larger than this is fed as graph inputs instead of initializers (frozen.ts). */
  frozenLimitBytes?: number;
}

export const SFT_DEFAULTS: Omit<SftOptions, 'model' | 'data' | 'out'> = {
  epochs: 1,
  lr: 1e-4,
  batchSize: 8,
  accumulate: 1,
  warmupSteps: 0,
  schedule: 'constant',
  weightDecay: 0,
  maxGradNorm: 1,
  maxLength: 1024,
  seed: 0,
  saveEvery: 100,
  keepCheckpoints: 2,
  format: 'auto',
  resume: false,
  force: false,
};

/** Throws SftInputError naming the flag of the first option out of range. */
export function validateOptions(o: SftOptions): void {
  const positiveInt = (v: number | undefined, flag: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      throw new SftInputError(`${flag} must be a positive integer, got ${v}`);
  };
  positiveInt(o.epochs, '--epochs');
  positiveInt(o.batchSize, '--batch-size');
  positiveInt(o.accumulate, '--accumulate');
  positiveInt(o.maxSteps, '--max-steps');
  positiveInt(o.maxLength, '--max-length');
  if (!(o.lr > 0)) throw new SftInputError(`--lr must be positive, got ${o.lr}`);
  if (!(o.warmupSteps >= 0) || !(o.saveEvery >= 0) || !(o.keepCheckpoints >= 0))
    throw new SftInputError('--warmup-steps, --save-every and --keep-checkpoints must not be negative');
  if (o.resume && o.force) throw new SftInputError('--resume and --force exclude each other');
  if (path.resolve(o.out) === path.resolve(o.model))
    throw new SftInputError(`${o.out}: the output directory must differ from the model directory`);
}

/** Linear warmup, then constant or cosine decay to zero at the last step. */
export function lrAt(o: Pick<SftOptions, 'lr' | 'warmupSteps' | 'schedule'>, step: number, totalSteps: number): number {
  const warm = o.warmupSteps > 0 ? Math.min(1, (step + 1) / o.warmupSteps) : 1;
  if (o.schedule === 'constant') return o.lr * warm;
  const span = Math.max(1, totalSteps - o.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - o.warmupSteps) / span));
  return o.lr * warm * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Everything that decides the steps' numbers; a resume with different values would not continue the same run. */
export function fingerprintOf(o: SftOptions, maxLength: number): Record<string, unknown> {
  return {
    modelSha256: sha256Of(path.join(o.model, 'config.json')) + ':' + weightsStamp(o.model),
    dataSha256: sha256Of(o.data),
    epochs: o.epochs,
    lr: o.lr,
    batchSize: o.batchSize,
    accumulate: o.accumulate,
    maxSteps: o.maxSteps ?? null,
    warmupSteps: o.warmupSteps,
    schedule: o.schedule,
    weightDecay: o.weightDecay,
    maxGradNorm: o.maxGradNorm,
    maxLength,
    seed: o.seed,
    format: o.format,
    lora: o.lora
      ? {
          r: o.lora.r,
          alpha: o.lora.alpha,
          dropout: o.lora.dropout,
          targetModules: o.lora.targetModules,
          useRslora: o.lora.useRslora ?? false,
        }
      : null,
  };
}

function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Size and mtime of the weight files: a cheap stamp (hashing gigabytes of weights on every start is not). */
function weightsStamp(dir: string): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => {
      const s = fs.statSync(path.join(dir, f));
      return `${f}:${s.size}:${Math.floor(s.mtimeMs)}`;
    })
    .join(',');
}

/** Throws SftInputError naming the first fingerprint field that differs from the checkpoint's run. */
export function checkSameRun(ckpt: string, saved: Record<string, unknown>, now: Record<string, unknown>): void {
  for (const key of Object.keys(now)) {
    const a = JSON.stringify(saved[key] ?? null),
      b = JSON.stringify(now[key] ?? null);
    if (a !== b) throw new SftInputError(`${ckpt}: cannot resume: ${key} was ${a} in that run and is ${b} now`);
  }
}
