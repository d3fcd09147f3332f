import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveRuntime, type RuntimeChoice } from '../../engine/runtime/resolve';
import type { RuntimeOptions } from '../../engine/runtime/session';
import { FROZEN_WEIGHTS, PROVIDER_CHOICES, type FrozenWeightsChoice } from '../../protocol/choices';
import { describeRuntime, type RuntimeInfo } from '../../protocol/runRecords';
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

/** `--provider` and `--threads`: the options of every command that runs ONNX Runtime sessions. */
export const RUNTIME_FLAGS = { provider: { type: 'string' }, threads: { type: 'string' } } as const;
export const RUNTIME_USAGE = `[--provider ${PROVIDER_CHOICES.join('|')}] [--threads N]`;

/** The runtime flags given (--frozen-weights too, where a command takes it); absent ones stay undefined. */
export function runtimeFlags(values: { provider?: string; threads?: string; 'frozen-weights'?: string }): Partial<RuntimeChoice> {
  const flags: Partial<RuntimeChoice> = {};
  if (values.provider !== undefined) {
    const p = PROVIDER_CHOICES.find((c) => c === values.provider);
    if (!p) throw new UsageError(`--provider must be ${PROVIDER_CHOICES.join(', ')}, got "${values.provider}"`);
    flags.executionProvider = p;
  }
  if (values.threads !== undefined) {
    flags.threads = intOption(values.threads, '--threads', 0);
    if (flags.threads < 0) throw new UsageError(`--threads must be at least 0, got "${values.threads}"`);
  }
  if (values['frozen-weights'] !== undefined) flags.frozenWeights = frozenWeightsOption(values['frozen-weights']);
  return flags;
}

const deferred: string[] = [];

/**
 * A `runtime: ...` line on stderr for what sessions ran on (stdout stays the command's output). A
 * fallback is printed at once; the provider that was asked for, when the command ends, unless it ends
 * with exit 2, whose contract is one line naming the input (design.md; e.g. `sft --resume` with changed
 * options finds that out after its sessions started).
 */
export function printRuntime(info: RuntimeInfo): void {
  const line = `runtime: ${describeRuntime(info)}`;
  if (info.fallback) {
    process.stderr.write(`${line}\n`);
    return;
  }
  if (deferred.length === 0) process.once('exit', (code) => code !== 2 && process.stderr.write(`${deferred.join('\n')}\n`));
  deferred.push(line);
}

/**
 * A command's sessions (runtime/resolve.ts): its flags over a config's `runtime` section (a run's,
 * where it evaluates one) over the environment; what ran is printed by `report`.
 */
export function commandRuntime(
  values: Parameters<typeof runtimeFlags>[0],
  config?: RuntimeChoice,
  report: (info: RuntimeInfo) => void = printRuntime,
): RuntimeOptions {
  return resolveRuntime({ config, flags: runtimeFlags(values) }, { report });
}
