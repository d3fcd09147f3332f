// Checksums of a checkpoint: CHECKPOINT/manifest.json lists every other file under the checkpoint
// with its byte length and SHA-256. It is written last, into the temporary directory, just before
// the rename that publishes the checkpoint (atomic.ts), so a checkpoint under its final name always
// has one. A reader checks it before trusting the checkpoint: a file that changed afterwards (a bad
// disk, a bad copy, a hand edit) makes the whole checkpoint damaged, and a resume falls back to the
// previous intact one. Checkpoints written before manifests existed have none and load as before.
//
//   manifest.json  {"format": "maporl-checkpoint-manifest/1",
//                   "files": {"policy-0/model.safetensors": {"bytes": 1234, "sha256": "…"}, …}}
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from './atomic';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'maporl-checkpoint-manifest/1';

interface FileEntry {
  bytes: number;
  sha256: string;
}
interface Manifest {
  format: string;
  files: Record<string, FileEntry>;
}

/** Paths of the regular files under `dir`, relative to it with '/' separators, sorted; manifest.json excluded. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile() && rel !== MANIFEST_FILE) out.push(rel);
  }
  return out.sort();
}

function sha256Of(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Writes `dir`/manifest.json for the files now under `dir`: call it last, before the directory is published. */
export function writeManifest(dir: string): void {
  const files: Record<string, FileEntry> = {};
  for (const rel of filesUnder(dir)) {
    const file = path.join(dir, rel);
    files[rel] = { bytes: fs.statSync(file).size, sha256: sha256Of(file) };
  }
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), { format: MANIFEST_FORMAT, files } satisfies Manifest);
}

/**
 * Why the checkpoint `dir` cannot be trusted, in a few words naming the file, or null when every
 * file listed in its manifest is there with its length and checksum. A checkpoint without a
 * manifest (written before they existed) counts as intact.
 */
export function checkpointDamage(dir: string): string | null {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return null;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    return `${MANIFEST_FILE} is unreadable (${(err as Error).message.split('\n')[0]})`;
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    manifest.format !== MANIFEST_FORMAT ||
    typeof manifest.files !== 'object' ||
    manifest.files === null
  ) {
    return `${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest`;
  }
  for (const [rel, want] of Object.entries(manifest.files)) {
    const f = path.join(dir, rel);
    let size: number;
    try {
      size = fs.statSync(f).size;
    } catch {
      return `${rel} is missing`;
    }
    if (size !== want?.bytes) return `${rel} has ${size} bytes, the manifest says ${want?.bytes}`;
    if (sha256Of(f) !== want.sha256) return `${rel} does not match its SHA-256 in ${MANIFEST_FILE}`;
  }
  return null;
}

/**
 * The newest intact checkpoint among `names` (complete checkpoint directories in `parent`, sorted
 * oldest first), or null. Damaged ones newer than it are reported in one warning line.
 */
export function newestIntact(parent: string, names: readonly string[], warn: (line: string) => void): string | null {
  const damaged: string[] = [];
  for (let i = names.length - 1; i >= 0; i--) {
    const dir = path.join(parent, names[i]);
    const problem = checkpointDamage(dir);
    if (problem === null) {
      if (damaged.length) warn(`warning: damaged checkpoint ${damaged.join('; ')}; using ${dir} instead`);
      return dir;
    }
    damaged.push(`${dir} (${problem})`);
  }
  if (damaged.length) warn(`warning: damaged checkpoint ${damaged.join('; ')}; no intact checkpoint is left`);
  return null;
}

/** Warnings of checkpoint readers given no other channel: one line on stderr. */
export const warnOnStderr = (line: string): void => void process.stderr.write(line + '\n');
