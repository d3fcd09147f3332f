// What SFT and MAPoRL checkpoints have in common: one directory per step under a run's checkpoints/
// folder, named step-NNNNNN (the step zero-padded to six digits), complete once it is under that
// name (atomic.ts) and holding trainer_state.json; the newest whose files match its manifest
// (checkpointManifest.ts) is the one a resume or an evaluation reads. AdamW moments are stored as
// safetensors, m.<param name> and v.<param name>, F32 in the parameter's shape.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataOf, type HostTensor } from '../core/hostTensor';
import { listComplete } from './atomic';
import { newestIntact, warnOnStderr } from './checkpointManifest';
import { ModelFileError } from './errors';
import { hasDtype, SafetensorsReader, writeSafetensors } from './safetensors';

export const TRAINER_STATE_FILE = 'trainer_state.json';

/** The directory name of the checkpoint of `step`: step-000120. */
export const checkpointName = (step: number): string => `step-${String(step).padStart(6, '0')}`;

const stepOf = (name: string): number => Number(name.slice('step-'.length));

/** Complete checkpoint directories directly in `checkpointsDir`, oldest first; [] when it is absent. */
export function completeCheckpoints(checkpointsDir: string): string[] {
  return listComplete(checkpointsDir)
    .filter((n) => /^step-\d{6,}$/.test(n) && fs.existsSync(path.join(checkpointsDir, n, TRAINER_STATE_FILE)))
    .sort((a, b) => stepOf(a) - stepOf(b));
}

/**
 * The newest complete and intact checkpoint directory in `checkpointsDir`, or null. Newer ones whose
 * files no longer match their manifest are passed over with one warning line. Reads only: a crashed
 * writer's temporaries are left to the writer that resumes (a reader must not remove a live one's).
 */
export function latestCheckpoint(checkpointsDir: string, warn: (line: string) => void = warnOnStderr): string | null {
  return newestIntact(checkpointsDir, completeCheckpoints(checkpointsDir), warn);
}

export interface AdamMoments {
  m: Record<string, HostTensor>;
  v: Record<string, HostTensor>;
}

/** Writes AdamW moments as one safetensors file (m.NAME, v.NAME), with `metadata` in its header. */
export function writeAdamMoments(file: string, s: AdamMoments, metadata?: Record<string, string>): void {
  const prefixed = (prefix: string, w: Record<string, HostTensor>) =>
    Object.entries(w).map(([n, t]) => [prefix + n, { shape: t.shape, data: dataOf(t, 'float32', prefix + n) }] as const);
  writeSafetensors(file, Object.fromEntries([...prefixed('m.', s.m), ...prefixed('v.', s.v)]), metadata);
}

/**
 * AdamW moments from `file` and its header's metadata. With `params`, exactly their moments, each
 * checked to be F32 in its parameter's shape (a ModelFileError naming the tensor otherwise); without,
 * every tensor of the file, converted to float32.
 */
export function readAdamMoments(
  file: string,
  params?: Record<string, { shape: readonly number[] }>,
): AdamMoments & { metadata: Readonly<Record<string, string>> } {
  const reader = SafetensorsReader.open(file);
  try {
    const out: AdamMoments = { m: {}, v: {} };
    if (params) {
      for (const prefix of ['m', 'v'] as const) {
        for (const [name, p] of Object.entries(params)) {
          const key = `${prefix}.${name}`;
          if (!reader.has(key)) throw new ModelFileError(file, 'missing tensor', key);
          const t = reader.read(key);
          if (!hasDtype(t, 'F32') || t.shape.join() !== p.shape.join())
            throw new ModelFileError(file, `expected F32 [${p.shape}], got ${t.dtype} [${t.shape}]`, key);
          out[prefix][name] = { dtype: 'float32', shape: [...p.shape], data: Float32Array.from(t.data) };
        }
      }
    } else {
      for (const key of reader.names()) {
        const t: HostTensor = { dtype: 'float32', shape: [...reader.info(key).shape], data: reader.readAsFloat32(key) };
        (key.startsWith('m.') ? out.m : out.v)[key.slice(2)] = t;
      }
    }
    return { ...out, metadata: reader.metadata };
  } finally {
    reader.close();
  }
}
