// What the comparison panel compares and reads, kept inside the runs folders: a side is a checkpoint
// (RUN/checkpoints/step-NNNNNN) of a run directory that lies in a runs folder after symbolic links
// are resolved; a run stands for its latest complete checkpoint, as in `maporl compare`. Every file
// the panel reads goes through readGuarded, which asks the path guard first. Node fs only, no vscode.
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CompareSideView } from '../../protocol/compareView';
import { RUN_FILES, isRunDirectory, listCheckpoints } from '../runData/runDirectory';
import { guardFile, isWithin } from '../security/pathGuard';

export type SideResult = { ok: true; side: CompareSideView } | { ok: false; reason: string };

const CHECKPOINT_NAME = /^step-(\d+)$/;

function real(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/** The side a checkpoint or run directory names, if it lies in one of `runsFolders`. */
export function sideOf(dir: string, runsFolders: readonly string[]): SideResult {
  const found = real(dir);
  if (!found) return { ok: false, reason: `${dir}: no such directory` };
  const roots = runsFolders.map(real).filter((r): r is string => r !== null);
  if (!roots.some((root) => isWithin(root, found) && found !== root))
    return { ok: false, reason: `${dir}: not inside a runs folder` };
  const m = CHECKPOINT_NAME.exec(basename(found));
  if (m && basename(dirname(found)) === RUN_FILES.checkpoints) {
    const runDir = dirname(dirname(found));
    if (!roots.some((root) => isWithin(root, runDir) && runDir !== root))
      return { ok: false, reason: `${dir}: its run is not inside a runs folder` };
    return { ok: true, side: side(found, runDir, Number(m[1])) };
  }
  if (!isRunDirectory(found)) return { ok: false, reason: `${dir}: neither a run directory nor one of its checkpoints` };
  const latest = listCheckpoints(found).at(-1);
  if (!latest) return { ok: false, reason: `${basename(found)} has no complete checkpoint yet` };
  return { ok: true, side: side(latest.dir, found, latest.step) };
}

function side(path: string, runDir: string, step: number): CompareSideView {
  const run = basename(runDir);
  return { path, runDir, run, step, label: `${run} · step ${step}` };
}

/** The sides of these directories in order, each checkpoint once; the reasons of those refused. */
export function sidesOf(
  dirs: readonly string[],
  runsFolders: readonly string[],
): { sides: CompareSideView[]; refused: string[] } {
  const sides: CompareSideView[] = [];
  const refused: string[] = [];
  for (const dir of dirs) {
    const r = sideOf(dir, runsFolders);
    if (!r.ok) refused.push(r.reason);
    else if (!sides.some((s) => s.path === r.side.path)) sides.push(r.side);
  }
  return { sides, refused };
}

/** The text of a file inside the runs folders, or null (missing, outside, not a file, unreadable). */
export function readGuarded(file: string, runsFolders: readonly string[]): string | null {
  const checked = guardFile(file, [...runsFolders], []);
  if (!checked.ok) return null;
  try {
    return readFileSync(checked.path, 'utf8');
  } catch {
    return null;
  }
}

/** A run's config.json as an object, or null. */
export function readRunConfigGuarded(runDir: string, runsFolders: readonly string[]): Record<string, unknown> | null {
  const text = readGuarded(join(runDir, RUN_FILES.config), runsFolders);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
