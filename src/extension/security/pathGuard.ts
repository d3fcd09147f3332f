// The one place that decides whether a path named by a webview or a run's files may be opened: it must
// exist and lie inside one of the allowed roots (the workspace folders and the runs folders) after
// symbolic links are resolved, so neither `../` nor a link can reach outside. Node fs only, no vscode.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export type GuardResult = { ok: true; path: string } | { ok: false; reason: string };

function real(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/** Whether `path` is `root` or below it (both already absolute and normalised). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolves `candidate` (absolute, or relative to one of `bases`, tried in order) to an existing regular
 * file inside one of `roots`.
 */
export function guardFile(candidate: string, roots: string[], bases: string[]): GuardResult {
  if (!candidate || candidate.includes('\0')) return { ok: false, reason: 'empty or invalid path' };
  const tries = isAbsolute(candidate) ? [candidate] : bases.map((b) => resolve(b, candidate));
  const found = tries.map(real).find((p): p is string => p !== null);
  if (!found) return { ok: false, reason: `${candidate}: no such file` };
  const realRoots = roots.map(real).filter((r): r is string => r !== null);
  if (!realRoots.some((root) => isWithin(root, found))) {
    return { ok: false, reason: `${candidate}: outside the workspace and runs folders` };
  }
  try {
    if (!statSync(found).isFile()) return { ok: false, reason: `${candidate}: not a file` };
  } catch {
    return { ok: false, reason: `${candidate}: no such file` };
  }
  return { ok: true, path: found };
}
