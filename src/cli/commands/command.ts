import { resolveRuntime, type RuntimeChoice } from '../../engine/runtime/resolve';
import type { RuntimeOptions } from '../../engine/runtime/session';
import { PROVIDER_CHOICES } from '../../protocol/choices';
import { describeRuntime, type RuntimeInfo } from '../../protocol/runRecords';
import { UsageError } from '../errors';
import { frozenWeightsOption, intOption, strings } from './options';

export interface Command {
  summary: string;
  usage: string;
  /** Returns the exit code; throws UsageError and the engine's input errors for exit 2. */
  run(args: string[]): Promise<number>;
}

/** `--provider` and `--threads`: the options of every command that runs ONNX Runtime sessions. */
export const RUNTIME_FLAGS = strings('provider', 'threads');
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
