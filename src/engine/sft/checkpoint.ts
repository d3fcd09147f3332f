// SFT checkpoints: OUT/checkpoints/step-NNNNNN/, each written to a temporary name and renamed, so a
// directory under its final name is always complete (a killed run leaves only `*.tmp-*` entries,
// which are never read and are removed on the next start).
//
//   step-000120/
//     trainer_state.json    step counters, data-order cursor, seed, the run's fingerprint, and
//                           eventsBytes: the length of OUT/events.jsonl when it was written
//     model/                full fine-tuning: the weights as an HF model directory
//     adapter/              LoRA: the adapter as a PEFT directory (the base stays where it was)
//     optimizer.safetensors AdamW moments: m.<param name>, v.<param name>
//     manifest.json         written last: every file's length and SHA-256 (io/checkpointManifest.ts);
//                           a checkpoint damaged later is skipped by `latestCheckpoint`
// Names, the search for the newest intact one and the moments' file are io/checkpoints.ts's,
// shared with MAPoRL's checkpoints.
//
// All randomness of a run is counter-based (data order from (seed, epoch), dropout from (seed,
// micro-batch index)), so the counters below are the whole RNG and data-order state.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainState } from '../runtime/trainStep';
import { removeDirAtomic, removeStaleTemps, writeDirAtomic, writeJsonAtomic } from '../io/atomic';
import { warnOnStderr, writeManifest } from '../io/checkpointManifest';
import {
  checkpointName,
  completeCheckpoints,
  latestCheckpoint,
  readAdamMoments,
  TRAINER_STATE_FILE,
  writeAdamMoments,
} from '../io/checkpoints';
import { ModelFileError } from '../io/errors';
import type { ModelConfig } from '../io/hfConfig';
import { loadLoraAdapter, saveLoraAdapter, type LoraConfig } from '../nn/lora';
import { loadWeights, saveModel } from '../nn/model';

export const CHECKPOINT_FORMAT = 'maporl-sft-checkpoint/1';

export interface TrainerCounters {
  /** Optimizer steps attempted (a step skipped for a non-finite loss counts). */
  step: number;
  /** Micro-batches consumed: the data-order cursor (epoch = floor(cursor / batches per epoch)). */
  microCursor: number;
  seed: number;
}

export interface CheckpointContents {
  counters: TrainerCounters;
  /** What must not change between a run and its resume (options, data hash, base model). */
  fingerprint: Record<string, unknown>;
  train: TrainState;
  config: ModelConfig;
  /** Where tokenizer files are copied from (full fine-tuning). */
  tokenizerDir: string;
  lora?: LoraConfig;
  /** Byte length of OUT/events.jsonl now: a resume cuts the log back to it. */
  eventsBytes: number;
}

export const checkpointsDir = (out: string): string => path.join(out, 'checkpoints');

export async function writeCheckpoint(out: string, c: CheckpointContents, keep: number): Promise<string> {
  const dir = path.join(checkpointsDir(out), checkpointName(c.counters.step));
  await writeDirAtomic(
    dir,
    async (tmp) => {
      if (c.lora) await saveLoraAdapter(path.join(tmp, 'adapter'), c.lora, c.train.params);
      else
        await saveModel(path.join(tmp, 'model'), { config: c.config, weights: c.train.params }, { tokenizerDir: c.tokenizerDir });
      writeAdamMoments(path.join(tmp, 'optimizer.safetensors'), c.train, { format: 'pt' });
      writeJsonAtomic(path.join(tmp, TRAINER_STATE_FILE), {
        format: CHECKPOINT_FORMAT,
        ...c.counters,
        optimizerStep: c.train.step,
        fingerprint: c.fingerprint,
        eventsBytes: c.eventsBytes,
        time: new Date().toISOString(),
      });
      writeManifest(tmp);
    },
    { overwrite: true },
  );
  prune(out, keep);
  return dir;
}

/** Keeps the newest `keep` checkpoints (0: all). */
function prune(out: string, keep: number): void {
  if (keep <= 0) return;
  const all = completeCheckpoints(checkpointsDir(out));
  for (const name of all.slice(0, Math.max(0, all.length - keep))) removeDirAtomic(path.join(checkpointsDir(out), name)); // never seen half-removed
}

/**
 * Finishes a pruning that a kill interrupted: removes the oldest checkpoints beyond `keep`, but only
 * ones older than `resumeFrom` (the checkpoint a resume reads, which may not be the newest when a newer
 * one was damaged).
 */
export function pruneOlderThan(out: string, keep: number, resumeFrom: string): void {
  if (keep <= 0) return;
  const all = completeCheckpoints(checkpointsDir(out));
  const older = all.filter((n) => n < path.basename(resumeFrom));
  for (const name of older.slice(0, Math.max(0, Math.min(older.length, all.length - keep))))
    removeDirAtomic(path.join(checkpointsDir(out), name));
}

/**
 * The checkpoint a resume of OUT starts from (io/checkpoints.ts's `latestCheckpoint`), or null; removes
 * the temporaries of an interrupted writer first (this process is OUT's writer now: it holds the lock).
 */
export function resumeCheckpoint(out: string, warn: (line: string) => void = warnOnStderr): string | null {
  removeStaleTemps(checkpointsDir(out));
  return latestCheckpoint(checkpointsDir(out), warn);
}

export interface LoadedCheckpoint {
  counters: TrainerCounters;
  fingerprint: Record<string, unknown>;
  train: TrainState;
  /** Absent in checkpoints written before it was recorded. */
  eventsBytes?: number;
}

/** Reads a checkpoint written by writeCheckpoint for a model of config `config`. */
export function readCheckpoint(dir: string, config: ModelConfig, lora: LoraConfig | undefined): LoadedCheckpoint {
  const stateFile = path.join(dir, TRAINER_STATE_FILE);
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch (err) {
    throw new ModelFileError(stateFile, `cannot read (${(err as Error).message.split('\n')[0]})`);
  }
  if (state.format !== CHECKPOINT_FORMAT)
    throw new ModelFileError(stateFile, `format: expected "${CHECKPOINT_FORMAT}", got ${JSON.stringify(state.format)}`);
  for (const k of ['step', 'microCursor', 'seed', 'optimizerStep']) {
    if (!Number.isInteger(state[k])) throw new ModelFileError(stateFile, `${k}: expected an integer`);
  }
  const params = lora ? loadLoraAdapter(path.join(dir, 'adapter'), config).weights : loadWeights(path.join(dir, 'model'), config);
  const { m, v } = readAdamMoments(path.join(dir, 'optimizer.safetensors'), params);
  const train: TrainState = { params, m, v, step: state.optimizerStep as number };
  return {
    counters: { step: state.step as number, microCursor: state.microCursor as number, seed: state.seed as number },
    fingerprint: (state.fingerprint ?? {}) as Record<string, unknown>,
    train,
    eventsBytes: Number.isInteger(state.eventsBytes) ? (state.eventsBytes as number) : undefined,
  };
}
