import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FROZEN_WEIGHTS, type FrozenWeightsChoice } from '../../protocol/choices';
import { UsageError } from '../errors';

export interface Command {
  summary: string;
  usage: string;
  /** Returns the exit code; throws UsageError and the engine's input errors for exit 2. */
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with usage errors as UsageError. */
export function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`missing ${flag}`);
  return value;
}

export function intOption(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  return n;
}

export function numberOption(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** --frozen-weights auto|embedded|fed: how a model's weights enter ONNX Runtime (config runtime.frozenWeights). */
export function frozenWeightsOption(value: string | undefined): FrozenWeightsChoice {
  if (value === undefined) return 'auto';
  const choice = FROZEN_WEIGHTS.find((c) => c === value);
  if (!choice) throw new UsageError(`--frozen-weights must be auto, embedded or fed, got "${value}"`);
  return choice;
}
