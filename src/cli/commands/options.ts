// The command line's words into values: parseArgs with its errors as usage errors (exit 2), option
// tables written in one line, and the checks of an option's value that every command shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FROZEN_WEIGHTS, type FrozenWeightsChoice } from '../../protocol/choices';
import { UsageError } from '../errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options that take a value, in one line: `strings('task', 'out')` is `{ task: { type: 'string' }, out: { type: 'string' } }`. */
export function strings<K extends string>(...names: K[]): Record<K, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as Record<K, { type: 'string' }>;
}

/** Switches, in one line: `booleans('force', 'json')`. */
export function booleans<K extends string>(...names: K[]): Record<K, { type: 'boolean' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'boolean' }])) as Record<K, { type: 'boolean' }>;
}

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
  // Decimal digits only: Number() would also take "0x4", "1e9" and " 7 ".
  const n = /^[+-]?\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be a decimal integer, got "${value}"`);
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
