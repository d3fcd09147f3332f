// What a command's `--out` may name, and what `--force` may replace. Nothing of the user's is ever
// replaced by accident:
// - a file output that names a character device or a FIFO (`/dev/stdout`, a pipe) is written through
//   it, a symbolic link is followed to its target, and anything else that is not a regular file (a
//   directory, a block device, a socket) is refused;
// - a directory output that names something other than a directory is refused, and a link to a
//   directory is followed;
// - `--force` empties only a directory the project itself wrote (every entry is one of the files it
//   writes there) and refuses any other; human labels (annotations.jsonl) are moved beside it first.
// Each refusal is an OutputDirError: one line naming the path, exit 2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTempPath, removeDirAtomic, tempPathFor, writeFileAtomic } from './atomic';
import { OutputDirError } from './errors';

/** What kind of file system node a path names (without following a final link). */
function nodeKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** lstat, or null where nothing is (also when a parent is a file: checkParents names that). */
function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/** `p` with a final symbolic link followed (to its target's real path); a link to nothing is refused. */
function followLink(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    throw new OutputDirError(p, 'a symbolic link to nothing: give the target itself, or remove the link');
  }
}

/** The first existing ancestor of `p` must be a directory (else mkdir fails with ENOTDIR deep inside a run). */
function checkParents(p: string, given: string): void {
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e; // a file further up: found on the way
    }
    if (st) {
      if (!st.isDirectory()) throw new OutputDirError(given, `${dir} is ${nodeKind(st)}, not a directory`);
      return;
    }
    if (path.dirname(dir) === dir) return;
  }
}

/**
 * What an output path names: `given` resolved with a final link followed, and what is there (null
 * when nothing is; its parents are then checked to be directories, an OutputDirError otherwise).
 */
function outputTarget(given: string): { p: string; st: fs.Stats | null } {
  let p = path.resolve(given);
  let st = lstatOrNull(p);
  if (st?.isSymbolicLink()) {
    p = followLink(p);
    st = lstatOrNull(p);
  }
  if (!st) checkParents(p, given);
  return { p, st };
}

export interface OutputFile {
  /** Where to write: `given` resolved, a final link followed. */
  path: string;
  /** Written in place (a device or a FIFO), not through a temporary file and a rename. */
  inPlace: boolean;
  /** A regular file is there already (what --force would replace). */
  exists: boolean;
}

/** What a file output `given` names; an OutputDirError when it cannot be written without replacing something. */
export function outputFile(given: string): OutputFile {
  const { p, st } = outputTarget(given);
  if (!st) return { path: p, inPlace: false, exists: false };
  if (st.isFile()) return { path: p, inPlace: false, exists: true };
  if (st.isCharacterDevice() || st.isFIFO()) return { path: p, inPlace: true, exists: false };
  throw new OutputDirError(given, `is ${nodeKind(st)}: give a file name`);
}

/**
 * Writes `data` to the file output `given` (outputFile's rules): atomically (temporary file and
 * rename) for a regular file, in place for a device or a FIFO. Without `force`, an existing regular
 * file is refused.
 */
export function writeOutputFile(given: string, data: string | Uint8Array, force = true): string {
  const out = outputFile(given);
  if (out.exists && !force) throw new OutputDirError(given, 'already exists (use --force to replace it)');
  if (out.inPlace) fs.writeFileSync(out.path, data, { flag: 'w' });
  else writeFileAtomic(out.path, data);
  return out.path;
}

/**
 * The directory output `given`, resolved with a final link followed; an OutputDirError when it
 * names something that is not a directory (a file, a device, a FIFO) or lies under one.
 */
export function outputDir(given: string): string {
  const { p, st } = outputTarget(given);
  if (!st) return p;
  if (!st.isDirectory()) throw new OutputDirError(given, `is ${nodeKind(st)}, not a directory: give a directory for --out`);
  return p;
}

/** Which entries of a directory the project writes there: by name, with the kind each must be. */
export interface OwnedEntries {
  /** e.g. "run directory" (in messages). */
  what: string;
  files: readonly (string | RegExp)[];
  dirs: readonly string[];
  /** Where human labels may lie (relative paths): moved beside the directory, never deleted. */
  annotations: readonly string[];
}

export const RUN_DIR_ENTRIES: OwnedEntries = {
  what: 'run directory',
  files: [
    'config.json',
    'events.jsonl',
    'transcripts.jsonl',
    'summary.json',
    'annotations.jsonl',
    'annotations.jsonl.lock',
    '.lock',
  ],
  dirs: ['checkpoints', 'comparisons'],
  annotations: ['annotations.jsonl'],
};

/** What `maporl demo` writes: the base agents, the config it trains and the run. */
export const DEMO_DIR_ENTRIES: OwnedEntries = {
  what: 'demo directory',
  files: ['demo.maporl.json'],
  dirs: ['agents', 'run'],
  annotations: ['run/annotations.jsonl'],
};

export const MODEL_DIR_ENTRIES: OwnedEntries = {
  what: 'model directory',
  files: [
    'config.json',
    'generation_config.json',
    'model.safetensors',
    'model.safetensors.index.json',
    /^model-\d+-of-\d+\.safetensors$/,
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'chat_template.jinja',
  ],
  dirs: [],
  annotations: [],
};

function isOwned(name: string, st: fs.Stats, owned: OwnedEntries): boolean {
  if (isTempPath(name)) return true; // a crashed writer's leftover
  if (st.isDirectory()) return owned.dirs.includes(name);
  return st.isFile() && owned.files.some((f) => (typeof f === 'string' ? f === name : f.test(name)));
}

export interface ReplaceOptions {
  owned: OwnedEntries;
  /** The message when the directory is not empty and there is no --force. */
  notEmpty: string;
  force: boolean;
  /** Files the command reads (its config, say): --force must not remove them. */
  inputs?: readonly string[];
  /** Where to say what was kept (moved annotations). */
  say?: (line: string) => void;
  /** Only check that the directory may be replaced (the caller replaces it whole later, atomically). */
  checkOnly?: boolean;
}

/**
 * Makes the directory output `given` ready for a fresh write and returns its resolved path: absent
 * or empty, it is used as is; otherwise, without `force`, refused; with `force`, emptied if every
 * entry is one the project writes there (annotations are moved beside it first, and said so),
 * refused otherwise. The directory itself stays (a link to it, its permissions).
 */
export function prepareOutputDir(given: string, o: ReplaceOptions): string {
  const dir = outputDir(given);
  if (!fs.existsSync(dir)) return dir;
  const names = fs.readdirSync(dir);
  if (names.length === 0) return dir;
  if (!o.force) throw new OutputDirError(given, o.notEmpty);
  const cwd = process.cwd();
  if (dir === cwd || cwd.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep))
    throw new OutputDirError(given, 'is the current directory or holds it: --force will not empty it; give another --out');
  const foreign = names.filter((n) => !isOwned(n, fs.lstatSync(path.join(dir, n)), o.owned)).sort();
  if (foreign.length)
    throw new OutputDirError(
      given,
      `not a ${o.owned.what} this project wrote (it holds ${foreign
        .slice(0, 3)
        .map((n) => JSON.stringify(n))
        .join(
          ', ',
        )}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}): --force replaces only that; choose another --out or empty it yourself`,
    );
  for (const input of o.inputs ?? []) {
    const abs = path.resolve(input);
    if (path.dirname(abs) === dir)
      throw new OutputDirError(given, `holds ${abs}, which this command reads: choose another --out`);
  }
  if (o.checkOnly) return dir;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  o.owned.annotations.forEach((rel, i) => {
    const annotations = path.join(dir, rel);
    if (!fs.statSync(annotations, { throwIfNoEntry: false })?.isFile()) return;
    const kept = `${dir}.annotations-${stamp}${i ? `-${i}` : ''}.jsonl`;
    fs.renameSync(annotations, kept);
    o.say?.(`the annotations of the replaced ${o.owned.what} are kept in ${kept}`);
  });
  // Each entry goes under a temporary name first (atomic), so a reader never sees half of one.
  for (const name of names) {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) continue; // the annotations, moved above
    if (fs.lstatSync(p).isDirectory()) removeDirAtomic(p);
    else {
      const doomed = tempPathFor(p);
      fs.renameSync(p, doomed);
      fs.rmSync(doomed, { force: true });
    }
  }
  return dir;
}
