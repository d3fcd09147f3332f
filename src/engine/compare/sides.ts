// What a `maporl compare` argument names: a checkpoint (RUN/checkpoints/step-NNNNNN), a run
// directory (its latest complete checkpoint), a base model directory or a preset model.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointDamage, MANIFEST_FILE } from '../io/checkpointManifest';
import { ModelFileError } from '../io/errors';
import { PRESETS } from '../nn/presets';
import { latestCheckpoint } from '../io/checkpoints';
import type { ComparisonSideSpec } from '../../protocol/comparison';
import { readTrainerState, runDirOf } from '../maporl/run';

/** Where a side is, as the saved result names it (protocol/comparison.ts, ComparisonSideSpec), and what it is now. */
export interface SideLocation extends Pick<ComparisonSideSpec, 'given' | 'kind' | 'path' | 'run' | 'step' | 'label'> {
  /**
   * A digest of what the side's weights and settings are now: its manifest (the SHA-256 of every
   * file) and its run's config.json; for a directory without a manifest, each file's name, size and
   * modification time. A side retrained in place gets a new digest, so an old comparison is not reused.
   */
  content: string;
}

const has = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

/** Where side `given` lies (relative paths from `baseDir`); a ModelFileError naming the path when it is none of the above. */
export function locateSide(given: string, baseDir: string): SideLocation {
  const abs = path.resolve(baseDir, given);
  if (!fs.existsSync(abs)) {
    if (PRESETS[given])
      return { given, kind: 'model', path: given, run: null, step: null, label: `preset ${given}`, content: `preset ${given}` };
    throw new ModelFileError(abs, 'no such checkpoint, run or model directory');
  }
  if (!fs.statSync(abs).isDirectory())
    throw new ModelFileError(abs, 'not a directory (expected a checkpoint, a run or a model directory)');
  if (has(abs, 'trainer_state.json')) return checkpointSide(given, abs);
  // A run directory: what `maporl train` writes first (checkpoints come later).
  if (has(abs, 'checkpoints') || has(abs, 'events.jsonl')) {
    const latest = latestCheckpoint(path.join(abs, 'checkpoints'));
    if (!latest)
      throw new ModelFileError(
        abs,
        'a run directory without a complete checkpoint (checkpoints/step-NNNNNN): nothing to compare yet',
      );
    return checkpointSide(given, latest);
  }
  if (has(abs, 'config.json'))
    return {
      given,
      kind: 'model',
      path: abs,
      run: null,
      step: null,
      label: path.basename(abs),
      content: contentDigest(abs, null),
    };
  throw new ModelFileError(abs, 'not a checkpoint (trainer_state.json), a run (checkpoints/) or a model directory (config.json)');
}

function checkpointSide(given: string, dir: string): SideLocation {
  // As `maporl eval` does: a checkpoint that no longer matches its manifest is refused, not evaluated.
  const damage = checkpointDamage(dir);
  if (damage) throw new ModelFileError(dir, `damaged checkpoint: ${damage}`);
  const run = runDirOf(dir) ?? null;
  let step: number;
  try {
    step = readTrainerState(dir).iteration;
  } catch (err) {
    throw new ModelFileError(path.join(dir, 'trainer_state.json'), `unreadable (${(err as Error).message})`);
  }
  const name = path.basename(dir);
  const label = run ? `${path.basename(run)}/${name}` : name;
  return { given, kind: 'checkpoint', path: dir, run, step, label, content: contentDigest(dir, run) };
}

function contentDigest(dir: string, run: string | null): string {
  const hash = createHash('sha256');
  if (run) hash.update(fs.readFileSync(path.join(run, 'config.json')));
  if (has(dir, MANIFEST_FILE)) hash.update(fs.readFileSync(path.join(dir, MANIFEST_FILE)));
  else
    for (const rel of filesUnder(dir)) {
      const st = fs.statSync(path.join(dir, rel));
      hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
    }
  if (has(dir, 'config.json')) hash.update(fs.readFileSync(path.join(dir, 'config.json')));
  return hash.digest('hex').slice(0, 16);
}

/** Relative paths of the files under `dir`, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(dir, path.join(prefix, e.name)) : e.isFile() ? [path.join(prefix, e.name)] : [],
    )
    .sort();
}
