// Supervised fine-tuning (`maporl sft`): full fine-tuning or LoRA of a causal LM on prompt/completion
// pairs, loss on the completion tokens only (loss.ts), batches by length (batches.ts), gradient
// accumulation, atomic checkpoints and an exact resume (checkpoint.ts); options and their
// validation in options.ts.
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
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostTensor } from '../core/hostTensor';
import { appendJsonl, writeJsonAtomic } from '../io/atomic';
import { LOCK_FILE, withRunLock } from '../io/runLock';
import { cutEventsAfter } from '../io/runLogs';
import { initLoraWeights, mergeLora, saveLoraAdapter, type LoraConfig } from '../nn/lora';
import { loadModel, saveModel, type CausalLM } from '../nn/model';
import { padTokenId, sftExampleTokens, type PromptFormat, type SftSequence } from '../prompts/tokens';
import type { RuntimeOptions } from '../runtime/session';
import { TrainStep, type StepResult, type TrainState } from '../runtime/trainStep';
import { collate, epochBatches, truncate } from './batches';
import { pruneOlderThan, readCheckpoint, resumeCheckpoint, writeCheckpoint, type TrainerCounters } from './checkpoint';
import { readSftJsonl } from './data';
import { LossEvaluator } from './evaluate';
import { checkSameRun, fingerprintOf, lrAt, SftInputError, validateOptions, type SftOptions } from './options';
import { sftStepSpec, type SftStepSetup } from './step';

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
  validateOptions(opts);
  if (fs.existsSync(opts.out) && !fs.statSync(opts.out).isDirectory())
    throw new SftInputError(`${opts.out}: exists and is not a directory`);
  return withRunLock(opts.out, hooks.onLog, () => sftLocked(opts, hooks)); // one writer per output directory
}

async function sftLocked(opts: SftOptions, hooks: SftHooks): Promise<SftResult> {
  prepareOut(opts);
  const log = hooks.onLog ?? (() => undefined);
  const r = await setUp(opts, log);
  const start = startPoint(r, log);
  if ('finished' in start) return { ...start.finished, alreadyFinished: true };
  const { ckpt, state } = start;
  const heldOut = r.held && {
    evaluator: await LossEvaluator.create(r.model.config, state.params, r.lora ? r.model.weights : {}, {
      lora: r.lora,
      padId: r.padId,
      runtime: r.runtime,
      frozenLimitBytes: opts.frozenLimitBytes,
    }),
    seqs: r.held,
  };
  try {
    // A resumed run's summary reports what its first process measured (the events before the checkpoint).
    const logged = ckpt ? loggedLosses(r.eventsFile) : { heldOutBefore: null, lastLoss: null };
    const heldOutBefore =
      heldOut && start.counters.step === 0 ? await measureHeldOut(r, heldOut, state, 0) : logged.heldOutBefore;
    const end = await trainSteps(r, hooks, log, { counters: start.counters, state, lastLoss: logged.lastLoss }, heldOut);
    const result: SftResult = {
      steps: end.counters.step,
      totalSteps: r.totalSteps,
      stopped: end.stopped,
      lastLoss: end.lastLoss,
    };
    if (!end.stopped) {
      if (ckpt && end.counters.step === start.counters.step) log(`the run in ${opts.out} was already complete`);
      if (heldOut)
        result.heldOutLoss = { before: heldOutBefore, after: await measureHeldOut(r, heldOut, state, end.counters.step) };
      await saveFinal(r, state, result);
    }
    return result;
  } finally {
    await Promise.all([heldOut?.evaluator.release(), r.trainStep.release()]);
  }
}

/** What a run trains on and with, set up before any checkpoint is read. */
interface SftRun {
  opts: SftOptions;
  model: CausalLM;
  /** With baseModelNameOrPath filled in (the base model's directory unless given). */
  lora?: LoraConfig;
  padId: number;
  train: SftSequence[];
  held?: SftSequence[];
  /** Token lengths of `train`, which batching groups by. */
  lengths: number[];
  batchesPerEpoch: number;
  totalSteps: number;
  fingerprint: Record<string, unknown>;
  step: SftStepSetup;
  trainStep: TrainStep;
  runtime: RuntimeOptions;
  eventsFile: string;
}

/** The base model, the tokenized data and the compiled training step. */
async function setUp(opts: SftOptions, log: (line: string) => void): Promise<SftRun> {
  const model = await loadModel(opts.model);
  const maxLength = Math.min(opts.maxLength, model.config.maxPositionEmbeddings);
  const train = tokenize(model, opts.data, opts.format, maxLength, log);
  const held = opts.evalData ? tokenize(model, opts.evalData, opts.format, maxLength, log) : undefined;

  const lengths = train.map((s) => s.ids.length);
  const batchesPerEpoch = epochBatches(lengths, opts.batchSize, opts.seed, 0).length;
  const totalSteps = Math.min(Math.ceil((opts.epochs * batchesPerEpoch) / opts.accumulate), opts.maxSteps ?? Infinity);

  // Parameters: the adapters over a frozen base, or every weight.
  const lora = opts.lora && { ...opts.lora, baseModelNameOrPath: opts.lora.baseModelNameOrPath ?? path.resolve(opts.model) };
  let step: SftStepSetup;
  try {
    step = sftStepSpec(model, {
      lora,
      weightDecay: opts.weightDecay,
      maxGradNorm: opts.maxGradNorm,
      frozenLimitBytes: opts.frozenLimitBytes,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new SftInputError(err.message); // a LoRA rank, alpha or target that does not fit
    throw err;
  }
  // A large base (fed as inputs) trains without ORT's memory arena: measured 2.0x instead of 2.6x
  // the weights' size at peak for qwen2.5-0.5b (docs/performance.md).
  const large = Object.keys(step.frozenFeeds).length > 0;
  const runtime: RuntimeOptions = { ...opts.runtime, memoryArena: opts.runtime?.memoryArena ?? !large };
  const trainStep = await TrainStep.compile(step.spec, runtime, { accumulation: opts.accumulate > 1 });
  return {
    opts,
    model,
    lora,
    padId: padTokenId(model.tokenizer),
    train,
    held,
    lengths,
    batchesPerEpoch,
    totalSteps,
    fingerprint: fingerprintOf(opts, maxLength),
    step,
    trainStep,
    runtime,
    eventsFile: path.join(opts.out, 'events.jsonl'),
  };
}

type StartPoint = { ckpt: string | null; counters: TrainerCounters; state: TrainState } | { finished: SftResult };

/**
 * Where training starts: with --resume the newest checkpoint (the log cut back to it), else step 0
 * (sft.json written); `finished` for a resume of a run that is complete.
 */
function startPoint(r: SftRun, log: (line: string) => void): StartPoint {
  const { opts } = r;
  const ckpt = opts.resume ? resumeCheckpoint(opts.out, log) : null;
  if (ckpt) {
    const loaded = readCheckpoint(ckpt, r.model.config, r.lora);
    checkSameRun(ckpt, loaded.fingerprint, r.fingerprint);
    const finished = loaded.counters.step === r.totalSteps && readSummary(opts.out);
    if (finished) return { finished };
    pruneOlderThan(opts.out, opts.keepCheckpoints, ckpt); // a kill may have interrupted the last pruning
    cutEventsAfter(r.eventsFile, loaded.counters.step, loaded.eventsBytes);
    log(`resuming from ${ckpt} (step ${loaded.counters.step} of ${r.totalSteps})`);
    return { ckpt, counters: loaded.counters, state: loaded.train };
  }
  if (opts.resume) {
    log(`no checkpoint in ${opts.out}: starting from the beginning`);
    cutEventsAfter(r.eventsFile, 0, 0); // what a run killed before its first checkpoint logged is produced again
  }
  const state = r.trainStep.initState(r.lora ? initLoraWeights(r.model.config, r.lora, opts.seed) : r.model.weights);
  writeJsonAtomic(path.join(opts.out, 'sft.json'), {
    ...r.fingerprint,
    model: path.resolve(opts.model),
    data: path.resolve(opts.data),
    totalSteps: r.totalSteps,
    batchesPerEpoch: r.batchesPerEpoch,
  });
  return { ckpt: null, counters: { step: 0, microCursor: 0, seed: opts.seed }, state };
}

interface HeldOut {
  evaluator: LossEvaluator;
  seqs: SftSequence[];
}

/** The held-out completion loss under the current parameters, logged as an `eval` event at `step`. */
async function measureHeldOut(r: SftRun, h: HeldOut, state: TrainState, step: number): Promise<number> {
  const loss = await h.evaluator.evaluate(state.params, h.seqs, r.opts.batchSize);
  appendJsonl(r.eventsFile, { type: 'eval', step, time: Date.now() / 1000, heldOutLoss: loss });
  return loss;
}

interface Progress {
  counters: TrainerCounters;
  /** Updated in place by each step. */
  state: TrainState;
  lastLoss: number | null;
}

/**
 * Optimizer steps until the last (a checkpoint after it) or a stop (a checkpoint, then return). A
 * step's events come before its checkpoint, which records where events.jsonl ended.
 */
async function trainSteps(
  r: SftRun,
  hooks: SftHooks,
  log: (line: string) => void,
  p: Progress,
  heldOut: HeldOut | undefined,
): Promise<Progress & { stopped: boolean }> {
  const { opts, batchesPerEpoch, totalSteps } = r;
  const microBatch = microBatches(r);
  let { counters, lastLoss } = p;
  const save = async () => log(`checkpoint ${await saveCheckpoint(r, counters, p.state)}`);
  while (counters.step < totalSteps) {
    const lr = lrAt(opts, counters.step, totalSteps);
    const count = Math.min(opts.accumulate, opts.epochs * batchesPerEpoch - counters.microCursor);
    const micro = Array.from({ length: Math.max(count, 1) }, (_, k) => microBatch(counters.microCursor + k));
    const result =
      micro.length === 1 && opts.accumulate === 1
        ? await r.trainStep.run(p.state, micro[0], lr)
        : await r.trainStep.runAccumulated(p.state, micro, lr);
    counters = { ...counters, step: counters.step + 1, microCursor: counters.microCursor + micro.length };
    lastLoss = result.loss;
    const tokens = result.metrics.tokens * micro.length;
    const epoch = counters.microCursor / batchesPerEpoch;
    appendJsonl(r.eventsFile, {
      type: 'metrics',
      step: counters.step,
      time: Date.now() / 1000,
      loss: result.loss,
      lr,
      gradNorm: result.gradNorm,
      tokens,
      epoch,
      skipped: result.skipped,
    });
    if (result.skipped) log(`step ${counters.step}: non-finite loss or gradient; the update was skipped`);
    hooks.onStep?.({ ...result, step: counters.step, totalSteps, lr, epoch, tokens });
    const last = counters.step === totalSteps;
    if (last || (opts.saveEvery > 0 && counters.step % opts.saveEvery === 0)) {
      if (heldOut && !last) await measureHeldOut(r, heldOut, p.state, counters.step);
      await save();
    }
    if (!last && (hooks.stopSignal?.() || counters.step === hooks.stopAfterStep)) {
      if (opts.saveEvery <= 0 || counters.step % opts.saveEvery !== 0) await save();
      return { counters, state: p.state, lastLoss, stopped: true };
    }
  }
  return { counters, state: p.state, lastLoss, stopped: false };
}

/** Micro-batch `i` of the run: batch (i mod B) of epoch floor(i / B), B = batches per epoch. */
function microBatches(r: SftRun): (i: number) => Record<string, HostTensor> {
  const { opts, batchesPerEpoch } = r;
  const plans = new Map<number, number[][]>();
  return (i) => {
    const epoch = Math.floor(i / batchesPerEpoch);
    let plan = plans.get(epoch);
    if (!plan) plans.set(epoch, (plan = epochBatches(r.lengths, opts.batchSize, opts.seed, epoch)));
    const batch = collate(
      plan[i % batchesPerEpoch].map((j) => r.train[j]),
      r.padId,
    );
    // Dropout seed: a function of (seed, micro-batch index) only.
    if (r.step.dropout)
      batch.dropout_seed = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(opts.seed) * 4294967296n + BigInt(i)) };
    return { ...batch, ...r.step.frozenFeeds };
  };
}

/** Writes the checkpoint of `counters.step` (checkpoint.ts), recording events.jsonl's length now; returns its directory. */
async function saveCheckpoint(r: SftRun, counters: TrainerCounters, state: TrainState): Promise<string> {
  const eventsBytes = fs.existsSync(r.eventsFile) ? fs.statSync(r.eventsFile).size : 0;
  return writeCheckpoint(
    r.opts.out,
    {
      counters,
      fingerprint: r.fingerprint,
      train: state,
      config: r.model.config,
      tokenizerDir: r.opts.model,
      lora: r.lora,
      eventsBytes,
    },
    r.opts.keepCheckpoints,
  );
}

/** OUT/model (LoRA: merged into the base) and OUT/adapter, then OUT/summary.json last. */
async function saveFinal(r: SftRun, state: TrainState, result: SftResult): Promise<void> {
  const { opts, model, lora } = r;
  result.modelDir = path.join(opts.out, 'model');
  if (lora) {
    result.adapterDir = path.join(opts.out, 'adapter');
    await saveLoraAdapter(result.adapterDir, lora, state.params, { overwrite: true });
    await saveModel(
      result.modelDir,
      { config: model.config, weights: mergeLora(model.weights, lora, state.params) },
      { tokenizerDir: opts.model, overwrite: true },
    );
  } else {
    await saveModel(
      result.modelDir,
      { config: model.config, weights: state.params },
      { tokenizerDir: opts.model, overwrite: true },
    );
  }
  writeJsonAtomic(path.join(opts.out, 'summary.json'), {
    ...result,
    trainExamples: r.train.length,
    heldOutExamples: r.held?.length ?? 0,
  });
}

/** Refuses to write over an earlier run unless --force (which removes only what a run writes) or --resume. */
function prepareOut(o: SftOptions): void {
  const present = fs.readdirSync(o.out).filter((name) => name !== LOCK_FILE); // the lock is this run's
  if (present.length > 0 && !o.resume) {
    if (!o.force)
      throw new SftInputError(`${o.out}: already exists and is not empty (use --force to replace it, or --resume to continue)`);
    for (const e of OWN_ENTRIES) fs.rmSync(path.join(o.out, e), { recursive: true, force: true });
  }
}

function tokenize(
  model: CausalLM,
  file: string,
  format: PromptFormat,
  maxLength: number,
  log: (s: string) => void,
): SftSequence[] {
  const examples = readSftJsonl(file);
  let seqs: SftSequence[];
  try {
    seqs = examples.map((ex) => sftExampleTokens(model.tokenizer, ex, format));
  } catch (err) {
    throw new SftInputError((err as Error).message);
  }
  const { kept, truncated, dropped } = truncate(seqs, maxLength);
  if (truncated || dropped)
    log(`${file}: ${truncated} examples cut to ${maxLength} tokens, ${dropped} dropped (prompt alone too long)`);
  if (kept.length === 0) throw new SftInputError(`${file}: no example fits in ${maxLength} tokens`);
  return kept;
}

/** The result a finished run left in OUT/summary.json, or null. */
function readSummary(out: string): SftResult | null {
  const file = path.join(out, 'summary.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SftResult) : null;
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
    } catch {
      /* blank, or cut by a kill */
    }
  }
  return out;
}
