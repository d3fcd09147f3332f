// What a `maporl compare` argument names: a checkpoint (RUN/checkpoints/step-NNNNNN), a run
// directory (its latest complete checkpoint), a base model directory or a preset model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelFileError } from '../../io/errors';
import { PRESETS } from '../../nn/presets';
import { latestCheckpoint } from '../../io/checkpoints';
import { readTrainerState } from '../checkpoint';
import { runDirOf } from '../evalTeam';

export interface SideLocation {
  given: string;
  kind: 'checkpoint' | 'model';
  /** Absolute path of the checkpoint or model directory; the preset's name for a preset. */
  path: string;
  /** Absolute run directory of a checkpoint, when it lies in one. */
  run: string | null;
  step: number | null;
  label: string;
}

const has = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

/** Where side `given` lies (relative paths from `baseDir`); a ModelFileError naming the path when it is none of the above. */
export function locateSide(given: string, baseDir: string): SideLocation {
  const abs = path.resolve(baseDir, given);
  if (!fs.existsSync(abs)) {
    if (PRESETS[given]) return { given, kind: 'model', path: given, run: null, step: null, label: `preset ${given}` };
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
  if (has(abs, 'config.json')) return { given, kind: 'model', path: abs, run: null, step: null, label: path.basename(abs) };
  throw new ModelFileError(abs, 'not a checkpoint (trainer_state.json), a run (checkpoints/) or a model directory (config.json)');
}

function checkpointSide(given: string, dir: string): SideLocation {
  const run = runDirOf(dir) ?? null;
  let step: number;
  try {
    step = readTrainerState(dir).iteration;
  } catch (err) {
    throw new ModelFileError(path.join(dir, 'trainer_state.json'), `unreadable (${(err as Error).message})`);
  }
  const name = path.basename(dir);
  return { given, kind: 'checkpoint', path: dir, run, step, label: run ? `${path.basename(run)}/${name}` : name };
}
