// The weights of a Hugging Face model directory: either one `model.safetensors`, or shards
// `model-0000N-of-0000M.safetensors` listed by `model.safetensors.index.json`:
//   {"metadata": {"total_size": <bytes>}, "weight_map": {"<tensor name>": "<shard file name>"}}
// (the layout `transformers` writes with `save_pretrained(max_shard_size=...)`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelFileError } from './errors';
import { writeJsonAtomic } from './atomic';
import {
  SafetensorsReader,
  tensorByteSize,
  tensorToFloat32,
  writeSafetensors,
  type Tensor,
  type TensorInfo,
  type TensorsToWrite,
  type TensorToWrite,
} from './safetensors';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Read access to all tensors of a model directory, wherever they are stored. */
export class ModelWeights {
  private constructor(
    readonly dir: string,
    private readonly readers: SafetensorsReader[],
    /** tensor name -> the reader that holds it */
    private readonly where: Map<string, SafetensorsReader>,
  ) {}

  /** Opens `dir`'s weights, validating every safetensors header (and the index, when sharded). */
  static open(dir: string): ModelWeights {
    const single = path.join(dir, WEIGHTS_FILE);
    if (fs.existsSync(single)) {
      const reader = SafetensorsReader.open(single);
      return new ModelWeights(dir, [reader], new Map(reader.names().map((n) => [n, reader])));
    }
    const indexPath = path.join(dir, WEIGHTS_INDEX_FILE);
    if (!fs.existsSync(indexPath)) throw new ModelFileError(dir, `neither ${WEIGHTS_FILE} nor ${WEIGHTS_INDEX_FILE} found`);
    const weightMap = readWeightMap(indexPath);
    const readers = new Map<string, SafetensorsReader>();
    try {
      for (const shard of new Set(Object.values(weightMap))) readers.set(shard, SafetensorsReader.open(path.join(dir, shard)));
      const where = new Map<string, SafetensorsReader>();
      for (const [name, shard] of Object.entries(weightMap)) {
        const reader = readers.get(shard)!;
        if (!reader.has(name))
          throw new ModelFileError(indexPath, `weight_map puts the tensor in ${shard}, which does not hold it`, name);
        where.set(name, reader);
      }
      return new ModelWeights(dir, [...readers.values()], where);
    } catch (err) {
      for (const r of readers.values()) r.close();
      throw err;
    }
  }

  /** Tensor names, sorted. */
  names(): string[] {
    return [...this.where.keys()].sort();
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  /** dtype, shape and the file holding the tensor. */
  info(name: string): TensorInfo & { file: string } {
    const reader = this.readerOf(name);
    return { ...reader.info(name), file: reader.file };
  }

  read(name: string): Tensor {
    return this.readerOf(name).read(name);
  }

  /** A floating-point tensor as float32 (F16/BF16 converted). */
  readAsFloat32(name: string): Float32Array {
    const reader = this.readerOf(name);
    return tensorToFloat32(reader.read(name), reader.file, name);
  }

  close(): void {
    for (const r of this.readers) r.close();
  }

  private readerOf(name: string): SafetensorsReader {
    const reader = this.where.get(name);
    if (!reader) throw new ModelFileError(this.dir, 'no such tensor in the model weights', name);
    return reader;
  }
}

function readWeightMap(indexPath: string): Record<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
  } catch (err) {
    throw new ModelFileError(indexPath, `not valid JSON (${(err as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new ModelFileError(indexPath, 'weight_map: expected an object of tensor name -> file name');
  }
  for (const [name, file] of Object.entries(weightMap)) {
    // A shard is a plain file name inside the model directory, never a path leading elsewhere.
    if (typeof file !== 'string' || file === '' || file !== path.basename(file) || file === '..' || file === '.') {
      throw new ModelFileError(
        indexPath,
        `weight_map.${name}: ${JSON.stringify(file)} is not a file name in the model directory`,
      );
    }
  }
  return weightMap as Record<string, string>;
}

export interface WriteWeightsOptions {
  /** Start a new shard when a shard would exceed this many bytes (default: never shard). */
  maxShardBytes?: number;
  /** `__metadata__` of each safetensors file (HF writes {"format": "pt"}). */
  metadata?: Record<string, string>;
}

/**
 * Writes `tensors` into `dir` in the HF layout: `model.safetensors`, or shards plus the index when
 * they exceed `maxShardBytes`. Each file is written atomically; for the whole directory to appear
 * at once, call this inside `writeDirAtomic`. Returns the file names written.
 */
export function writeModelWeights(dir: string, tensors: TensorsToWrite, options: WriteWeightsOptions = {}): string[] {
  const metadata = options.metadata ?? { format: 'pt' };
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)) as [string, TensorToWrite][];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const limit = options.maxShardBytes ?? Infinity;
  const shards: [string, TensorToWrite][][] = [[]];
  let shardBytes = 0;
  let totalSize = 0;
  for (const entry of entries) {
    const size = tensorByteSize(entry[1]);
    if (shardBytes > 0 && shardBytes + size > limit) {
      shards.push([]);
      shardBytes = 0;
    }
    shards[shards.length - 1]!.push(entry);
    shardBytes += size;
    totalSize += size;
  }
  fs.mkdirSync(dir, { recursive: true });
  if (shards.length === 1) {
    writeSafetensors(path.join(dir, WEIGHTS_FILE), new Map(shards[0]), metadata);
    return [WEIGHTS_FILE];
  }
  const pad = (n: number) => String(n).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  const files = shards.map((shard, i) => {
    const file = `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
    writeSafetensors(path.join(dir, file), new Map(shard), metadata);
    for (const [name] of shard) weightMap[name] = file;
    return file;
  });
  writeJsonAtomic(path.join(dir, WEIGHTS_INDEX_FILE), { metadata: { total_size: totalSize }, weight_map: weightMap });
  return [...files, WEIGHTS_INDEX_FILE];
}
