// Reading a run directory (layout in docs/design.md, "Run directory") without loading all of it:
// listing the runs of a folder, a run's checkpoints, its config, and a cheap look at its status from
// the first and last lines of events.jsonl. Node fs only, no vscode.
import { closeSync, existsSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isProcessAlive, readJobFile } from './jobFile';
import { emptyRunState, foldEvent, readRunEvent, type RunState } from './runState';
import { openGrowing } from './jsonlTail';

export const RUN_FILES = {
  config: 'config.json',
  events: 'events.jsonl',
  transcripts: 'transcripts.jsonl',
  summary: 'summary.json',
  annotations: 'annotations.jsonl',
  checkpoints: 'checkpoints',
  /** `maporl compare` results whose first side is this run: comparisons/<key>/result.json. */
  comparisons: 'comparisons',
} as const;

export interface CheckpointInfo {
  dir: string;
  name: string;
  step: number;
}

export interface RunListing {
  dir: string;
  name: string;
  state: RunState;
  checkpoints: CheckpointInfo[];
  hasSummary: boolean;
  hasTranscripts: boolean;
  /** Size and mtime of events.jsonl when this listing was made: a cheap "has it changed" key. */
  eventsKey: string;
}

export function isRunDirectory(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.events)) || existsSync(join(dir, RUN_FILES.config));
}

/** Run directories directly under `folder`, newest first; [] when the folder does not exist. */
export function listRunDirectories(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const runs: { dir: string; mtime: number }[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const dir = join(folder, name);
    try {
      if (statSync(dir).isDirectory() && isRunDirectory(dir)) runs.push({ dir, mtime: statSync(dir).mtimeMs });
    } catch {
      /* removed while listing */
    }
  }
  return runs.sort((a, b) => b.mtime - a.mtime || a.dir.localeCompare(b.dir)).map((r) => r.dir);
}

const CHECKPOINT_NAME = /^step-(\d+)$/;

/** Complete checkpoints (`checkpoints/step-NNNNNN`; temporary names are skipped), by step. */
export function listCheckpoints(runDir: string): CheckpointInfo[] {
  const root = join(runDir, RUN_FILES.checkpoints);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      const m = CHECKPOINT_NAME.exec(name);
      return m ? [{ dir: join(root, name), name, step: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

/** The run's resolved config, or null when missing or not valid JSON. */
export function readRunConfig(runDir: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(join(runDir, RUN_FILES.config), 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function fileKey(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'none';
  }
}

const PEEK_BYTES = 64 * 1024;

/**
 * Status of a run from the first line and the last 64 KiB of events.jsonl: enough for the tree and the
 * status bar without reading 10,000 metrics lines. A run with events but no status event in that window
 * counts as running unless it has a summary.json.
 */
export function peekRunState(runDir: string): RunState {
  const state = emptyRunState();
  const path = join(runDir, RUN_FILES.events);
  const file = openGrowing(path, 0);
  if (!file) return state;
  const { fd, size } = file;
  try {
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    const firstLine = head.toString('utf8').split('\n')[0];
    const start = Math.max(0, size - PEEK_BYTES);
    const tail = Buffer.alloc(size - start);
    readSync(fd, tail, 0, tail.length, start);
    const lines = tail.toString('utf8').split('\n');
    // Drop the tail's first line: either cut in the middle, or the first line itself (folded first).
    lines.shift();
    for (const line of [firstLine, ...lines]) {
      if (!line.trim()) continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue; // a half-written last line: ignore here, the follower reports real errors
      }
      const { event } = readRunEvent(record);
      if (event) foldEvent(state, event);
    }
  } finally {
    closeSync(fd);
  }
  if (state.status === 'unknown' && existsSync(join(runDir, RUN_FILES.summary))) state.status = 'finished';
  return state;
}

/**
 * A run still marked running whose engine process (from the job file a window wrote when it started it)
 * is gone ended without a final status: a crash, a kill or a reboot. Runs of the CLI have no job file.
 */
export function settleOrphanedRun(runDir: string, state: RunState): void {
  if (state.status !== 'running') return;
  const job = readJobFile(runDir);
  if (job && !isProcessAlive(job.pid)) {
    state.status = 'failed';
    state.message = `the engine process (pid ${job.pid}) ended without a final status`;
  }
}

export function readRunListing(
  runDir: string,
  totalStepsOf: (config: Record<string, unknown> | null) => number | null,
): RunListing {
  const state = peekRunState(runDir);
  settleOrphanedRun(runDir, state);
  state.totalSteps ??= totalStepsOf(readRunConfig(runDir));
  return {
    dir: runDir,
    name: basename(runDir),
    state,
    checkpoints: listCheckpoints(runDir),
    hasSummary: existsSync(join(runDir, RUN_FILES.summary)),
    hasTranscripts: existsSync(join(runDir, RUN_FILES.transcripts)),
    eventsKey: runListingKey(runDir),
  };
}

/** Changes when events.jsonl or the checkpoints folder change. */
export function runListingKey(runDir: string): string {
  return `${fileKey(join(runDir, RUN_FILES.events))}|${fileKey(join(runDir, RUN_FILES.checkpoints))}|${fileKey(join(runDir, RUN_FILES.summary))}`;
}
