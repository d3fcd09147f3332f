// Supervised fine-tuning (`maporl sft`): full fine-tuning or LoRA of a causal LM on prompt/completion
// pairs, loss on the completion tokens only (loss.ts), batches by length (batches.ts), gradient
// accumulation, atomic checkpoints and an exact resume (checkpoint.ts).
//
// The output directory:
//   OUT/sft.json          the resolved options
//   OUT/events.jsonl      {"type": "metrics", "step", "time", "loss", "lr", "gradNorm", "tokens", ...}
//                         and {"type": "eval", "step", "time", "heldOutLoss"}, one a line
//   OUT/checkpoints/step-NNNNNN/   see checkpoint.ts
//   OUT/model/            the final model as an HF model directory (LoRA: merged into the base)
//   OUT/adapter/          LoRA only: the final adapter as a PEFT directory
//   OUT/summary.json      final numbers, written at the end
//
// Exact resume: every input of a step (parameters, Adam moments and step count, the micro-batches,
// the dropout seed, the learning rate) is a function of the checkpoint, so an interrupted and resumed
// run computes the same steps, bit for bit, as an uninterrupted one on the same machine and threads.
// A checkpoint comes after its step's events (held-out loss included) and records where events.jsonl
// ended, which a resume cuts it back to; summary.json is written last, and a resume of a run that
// has one changes nothing.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostTensor } from '../core/hostTensor';
import { TrainStep, type StepResult, type TrainState } from '../runtime/trainStep';
import { appendJsonl, writeJsonAtomic } from '../io/atomic';
import { acquireRunLock, LOCK_FILE } from '../io/runLock';
import { cutEventsAfter } from '../io/runLogs';
import { initLoraWeights, mergeLora, saveLoraAdapter, type LoraConfig } from '../nn/lora';
import { loadModel, saveModel, type CausalLM } from '../nn/model';
import type { RuntimeOptions } from '../runtime/session';
import { collate, epochBatches, truncate } from './batches';
import { pruneOlderThan, readCheckpoint, resumeCheckpoint, writeCheckpoint, type TrainerCounters } from './checkpoint';
import { readSftJsonl } from './data';
import { LossEvaluator } from './evaluate';
import { sftStepSpec, type SftStepSetup } from './step';
import { padTokenId, sftExampleTokens, type PromptFormat, type SftSequence } from '../prompts/tokens';

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
  epochs: 1, lr: 1e-4, batchSize: 8, accumulate: 1, warmupSteps: 0, schedule: 'constant', weightDecay: 0, maxGradNorm: 1,
  maxLength: 1024, seed: 0, saveEvery: 100, keepCheckpoints: 2, format: 'auto', resume: false, force: false,
};

export interface SftStepInfo extends StepResult {
  step: number;
  totalSteps: number;
  lr: number;
  epoch: number;
  tokens: number;
}

export interface SftHooks {
  onStep?(info: SftStepInfo): void;
  /** One-line notes (data statistics, checkpoints, resume). */
  onLog?(line: string): void;
  /** Polled after each step: the signal that asked the run to stop (it checkpoints and returns early), or null. */
  stopSignal?(): string | null;
  /** Test hook: stop right after this step, as a kill after its checkpoint would. */
  stopAfterStep?: number;
}

export interface SftResult {
  steps: number;
  totalSteps: number;
  stopped: boolean;
  lastLoss: number | null;
  heldOutLoss?: { before: number | null; after: number };
  modelDir?: string;
  adapterDir?: string;
  /** A resume of a run that had finished: nothing was done, the fields are its summary's. */
  alreadyFinished?: boolean;
}

/** Entries of OUT that a run writes (what --force removes; nothing else is touched). */
const OWN_ENTRIES = ['sft.json', 'events.jsonl', 'checkpoints', 'model', 'adapter', 'summary.json'];

export async function runSft(opts: SftOptions, hooks: SftHooks = {}): Promise<SftResult> {
  validate(opts);
  if (fs.existsSync(opts.out) && !fs.statSync(opts.out).isDirectory()) throw new SftInputError(`${opts.out}: exists and is not a directory`);
  const lock = acquireRunLock(opts.out, hooks.onLog); // one writer per output directory
  try {
    return await sftLocked(opts, hooks);
  } finally {
    lock.release();
  }
}

async function sftLocked(opts: SftOptions, hooks: SftHooks): Promise<SftResult> {
  prepareOut(opts);
  const log = hooks.onLog ?? (() => undefined);
  const model = await loadModel(opts.model);
  const padId = padTokenId(model.tokenizer);
  const maxLength = Math.min(opts.maxLength, model.config.maxPositionEmbeddings);
  const train = tokenize(model, opts.data, opts.format, maxLength, log);
  const held = opts.evalData ? tokenize(model, opts.evalData, opts.format, maxLength, log) : undefined;

  const lengths = train.map((s) => s.ids.length);
  const batchesPerEpoch = epochBatches(lengths, opts.batchSize, opts.seed, 0).length;
  const totalSteps = Math.min(Math.ceil((opts.epochs * batchesPerEpoch) / opts.accumulate), opts.maxSteps ?? Infinity);
  const fingerprint = fingerprintOf(opts, maxLength);

  // Parameters: the adapters over a frozen base, or every weight.
  const lora = opts.lora && { ...opts.lora, baseModelNameOrPath: opts.lora.baseModelNameOrPath ?? path.resolve(opts.model) };
  let setup: SftStepSetup;
  try {
    setup = sftStepSpec(model, { lora, weightDecay: opts.weightDecay, maxGradNorm: opts.maxGradNorm, frozenLimitBytes: opts.frozenLimitBytes });
  } catch (err) {
    if (err instanceof RangeError) throw new SftInputError(err.message); // a LoRA rank, alpha or target that does not fit
    throw err;
  }
  const { dropout, frozenFeeds } = setup;
  // A large base (fed as inputs) trains without ORT's memory arena: measured 2.0x instead of 2.6x
  // the weights' size at peak for qwen2.5-0.5b (docs/performance.md).
  const large = Object.keys(frozenFeeds).length > 0;
  const runtime: RuntimeOptions = { ...opts.runtime, memoryArena: opts.runtime?.memoryArena ?? !large };
  const trainStep = await TrainStep.compile(setup.spec, runtime, { accumulation: opts.accumulate > 1 });

  let counters: TrainerCounters = { step: 0, microCursor: 0, seed: opts.seed };
  let state: TrainState;
  const ckpt = opts.resume ? resumeCheckpoint(opts.out, log) : null;
  if (ckpt) {
    const loaded = readCheckpoint(ckpt, model.config, lora);
    checkSameRun(ckpt, loaded.fingerprint, fingerprint);
    const finished = loaded.counters.step === totalSteps && readSummary(opts.out);
    if (finished) return { ...finished, alreadyFinished: true };
    ({ counters } = loaded);
    state = loaded.train;
    pruneOlderThan(opts.out, opts.keepCheckpoints, ckpt); // a kill may have interrupted the last pruning
    cutEventsAfter(path.join(opts.out, 'events.jsonl'), counters.step, loaded.eventsBytes);
    log(`resuming from ${ckpt} (step ${counters.step} of ${totalSteps})`);
  } else {
    if (opts.resume) {
      log(`no checkpoint in ${opts.out}: starting from the beginning`);
      cutEventsAfter(path.join(opts.out, 'events.jsonl'), 0, 0); // what a run killed before its first checkpoint logged is produced again
    }
    state = trainStep.initState(lora ? initLoraWeights(model.config, lora, opts.seed) : model.weights);
    writeJsonAtomic(path.join(opts.out, 'sft.json'), { ...fingerprint, model: path.resolve(opts.model), data: path.resolve(opts.data), totalSteps, batchesPerEpoch });
  }

  const eventsFile = path.join(opts.out, 'events.jsonl');
  const evaluator = held && await LossEvaluator.create(model.config, state.params, lora ? model.weights : {}, { lora, padId, runtime, frozenLimitBytes: opts.frozenLimitBytes });
  const evaluate = async (step: number): Promise<number> => {
    const loss = await evaluator!.evaluate(state.params, held!, opts.batchSize);
    appendJsonl(eventsFile, { type: 'eval', step, time: Date.now() / 1000, heldOutLoss: loss });
    return loss;
  };
  // A resumed run's summary reports what its first process measured (the events before the checkpoint).
  const logged = ckpt ? loggedLosses(eventsFile) : { heldOutBefore: null, lastLoss: null };
  const heldOutBefore = evaluator && counters.step === 0 ? await evaluate(0) : logged.heldOutBefore;

  const save = async (): Promise<void> => {
    const eventsBytes = fs.existsSync(eventsFile) ? fs.statSync(eventsFile).size : 0;
    const dir = await writeCheckpoint(opts.out, { counters, fingerprint, train: state, config: model.config, tokenizerDir: opts.model, lora, eventsBytes }, opts.keepCheckpoints);
    log(`checkpoint ${dir}`);
  };

  // Micro-batch `i` of the run: batch (i mod B) of epoch floor(i / B), B = batches per epoch.
  const plans = new Map<number, number[][]>();
  const microBatch = (i: number): Record<string, HostTensor> => {
    const epoch = Math.floor(i / batchesPerEpoch);
    if (!plans.has(epoch)) plans.set(epoch, epochBatches(lengths, opts.batchSize, opts.seed, epoch));
    const batch = collate(plans.get(epoch)![i % batchesPerEpoch].map((j) => train[j]), padId);
    // Dropout seed: a function of (seed, micro-batch index) only.
    if (dropout) batch.dropout_seed = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(opts.seed) * 4294967296n + BigInt(i)) };
    return { ...batch, ...frozenFeeds };
  };

  let lastLoss: number | null = logged.lastLoss;
  const firstStep = counters.step;
  let stopped = false;
  while (counters.step < totalSteps) {
    const lr = lrAt(opts, counters.step, totalSteps);
    const count = Math.min(opts.accumulate, opts.epochs * batchesPerEpoch - counters.microCursor);
    const micro = Array.from({ length: Math.max(count, 1) }, (_, k) => microBatch(counters.microCursor + k));
    const result = micro.length === 1 && opts.accumulate === 1 ? await trainStep.run(state, micro[0], lr) : await trainStep.runAccumulated(state, micro, lr);
    counters = { ...counters, step: counters.step + 1, microCursor: counters.microCursor + micro.length };
    lastLoss = result.loss;
    const tokens = result.metrics.tokens * micro.length;
    const epoch = counters.microCursor / batchesPerEpoch;
    appendJsonl(eventsFile, {
      type: 'metrics', step: counters.step, time: Date.now() / 1000, loss: result.loss, lr, gradNorm: result.gradNorm, tokens, epoch, skipped: result.skipped,
    });
    if (result.skipped) log(`step ${counters.step}: non-finite loss or gradient; the update was skipped`);
    hooks.onStep?.({ ...result, step: counters.step, totalSteps, lr, epoch, tokens });
    const last = counters.step === totalSteps;
    if (last || (opts.saveEvery > 0 && counters.step % opts.saveEvery === 0)) {
      if (evaluator && !last) await evaluate(counters.step);
      await save();
    }
    if (!last && (hooks.stopSignal?.() || counters.step === hooks.stopAfterStep)) {
      if (opts.saveEvery <= 0 || counters.step % opts.saveEvery !== 0) await save();
      stopped = true;
      break;
    }
  }

  const result: SftResult = { steps: counters.step, totalSteps, stopped, lastLoss };
  if (!stopped) {
    if (ckpt && counters.step === firstStep) log(`the run in ${opts.out} was already complete`);
    if (evaluator) result.heldOutLoss = { before: heldOutBefore, after: await evaluate(counters.step) };
    result.modelDir = path.join(opts.out, 'model');
    if (lora) {
      result.adapterDir = path.join(opts.out, 'adapter');
      await saveLoraAdapter(result.adapterDir, lora, state.params, { overwrite: true });
      await saveModel(result.modelDir, { config: model.config, weights: mergeLora(model.weights, lora, state.params) }, { tokenizerDir: opts.model, overwrite: true });
    } else {
      await saveModel(result.modelDir, { config: model.config, weights: state.params }, { tokenizerDir: opts.model, overwrite: true });
    }
    writeJsonAtomic(path.join(opts.out, 'summary.json'), { ...result, trainExamples: train.length, heldOutExamples: held?.length ?? 0 });
  }
  await evaluator?.release();
  return result;
}

function validate(o: SftOptions): void {
  const positiveInt = (v: number | undefined, flag: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new SftInputError(`${flag} must be a positive integer, got ${v}`);
  };
  positiveInt(o.epochs, '--epochs');
  positiveInt(o.batchSize, '--batch-size');
  positiveInt(o.accumulate, '--accumulate');
  positiveInt(o.maxSteps, '--max-steps');
  positiveInt(o.maxLength, '--max-length');
  if (!(o.lr > 0)) throw new SftInputError(`--lr must be positive, got ${o.lr}`);
  if (!(o.warmupSteps >= 0) || !(o.saveEvery >= 0) || !(o.keepCheckpoints >= 0)) throw new SftInputError('--warmup-steps, --save-every and --keep-checkpoints must not be negative');
  if (o.resume && o.force) throw new SftInputError('--resume and --force exclude each other');
  if (path.resolve(o.out) === path.resolve(o.model)) throw new SftInputError(`${o.out}: the output directory must differ from the model directory`);
}

/** Refuses to write over an earlier run unless --force (which removes only what a run writes) or --resume. */
function prepareOut(o: SftOptions): void {
  const present = fs.readdirSync(o.out).filter((name) => name !== LOCK_FILE); // the lock is this run's
  if (present.length > 0 && !o.resume) {
    if (!o.force) throw new SftInputError(`${o.out}: already exists and is not empty (use --force to replace it, or --resume to continue)`);
    for (const e of OWN_ENTRIES) fs.rmSync(path.join(o.out, e), { recursive: true, force: true });
  }
}

function tokenize(model: CausalLM, file: string, format: PromptFormat, maxLength: number, log: (s: string) => void): SftSequence[] {
  const examples = readSftJsonl(file);
  let seqs: SftSequence[];
  try {
    seqs = examples.map((ex) => sftExampleTokens(model.tokenizer, ex, format));
  } catch (err) {
    throw new SftInputError((err as Error).message);
  }
  const { kept, truncated, dropped } = truncate(seqs, maxLength);
  if (truncated || dropped) log(`${file}: ${truncated} examples cut to ${maxLength} tokens, ${dropped} dropped (prompt alone too long)`);
  if (kept.length === 0) throw new SftInputError(`${file}: no example fits in ${maxLength} tokens`);
  return kept;
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
function fingerprintOf(o: SftOptions, maxLength: number): Record<string, unknown> {
  return {
    modelSha256: sha256Of(path.join(o.model, 'config.json')) + ':' + weightsStamp(o.model),
    dataSha256: sha256Of(o.data),
    epochs: o.epochs, lr: o.lr, batchSize: o.batchSize, accumulate: o.accumulate, maxSteps: o.maxSteps ?? null,
    warmupSteps: o.warmupSteps, schedule: o.schedule, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm,
    maxLength, seed: o.seed, format: o.format,
    lora: o.lora ? { r: o.lora.r, alpha: o.lora.alpha, dropout: o.lora.dropout, targetModules: o.lora.targetModules, useRslora: o.lora.useRslora ?? false } : null,
  };
}

function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Size and mtime of the weight files: a cheap stamp (hashing gigabytes of weights on every start is not). */
function weightsStamp(dir: string): string {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()
    .map((f) => { const s = fs.statSync(path.join(dir, f)); return `${f}:${s.size}:${Math.floor(s.mtimeMs)}`; }).join(',');
}

/** The result a finished run left in OUT/summary.json, or null. */
function readSummary(out: string): SftResult | null {
  const file = path.join(out, 'summary.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as SftResult : null;
}

function checkSameRun(ckpt: string, saved: Record<string, unknown>, now: Record<string, unknown>): void {
  for (const key of Object.keys(now)) {
    const a = JSON.stringify(saved[key] ?? null), b = JSON.stringify(now[key] ?? null);
    if (a !== b) throw new SftInputError(`${ckpt}: cannot resume: ${key} was ${a} in that run and is ${b} now`);
  }
}

/** The held-out loss before training and the last step's loss in OUT/events.jsonl (null when absent). */
function loggedLosses(eventsFile: string): { heldOutBefore: number | null; lastLoss: number | null } {
  const out = { heldOutBefore: null as number | null, lastLoss: null as number | null };
  if (!fs.existsSync(eventsFile)) return out;
  for (const line of fs.readFileSync(eventsFile, 'utf8').split('\n')) {
    try {
      const e = JSON.parse(line) as { type?: string; step?: number; loss?: number; heldOutLoss?: number };
      if (e.type === 'eval' && e.step === 0 && typeof e.heldOutLoss === 'number') out.heldOutBefore = e.heldOutLoss;
      if (e.type === 'metrics' && typeof e.loss === 'number') out.lastLoss = e.loss;
    } catch { /* blank, or cut by a kill */ }
  }
  return out;
}
