// One runtime resolution for every job: train, every evaluation, eval, compare, generate, logprobs,
// sft, prepare-agents and the base-agent stage of a run turn their config, flags and environment
// into the session options here, and learn here what their sessions actually ran on.
//
// Field by field, the first that applies: a command-line flag; the config's value when it is not the
// default ('auto' provider, 0 threads); the environment that the VS Code extension sets from its
// settings (MAPORL_EXECUTION_PROVIDER, MAPORL_THREADS: protocol/environment.ts); the default.
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { PROVIDER_CHOICES, type FrozenWeightsChoice, type ProviderChoice } from '../../protocol/choices';
import { MAPORL_ENV } from '../../protocol/environment';
import type { RuntimeInfo } from '../../protocol/runRecords';
import type { RuntimeOptions } from './session';

/** What a job may choose about ONNX Runtime: a config's `runtime` section, or the same as flags. */
export interface RuntimeChoice {
  executionProvider: ProviderChoice;
  threads: number;
  frozenWeights: FrozenWeightsChoice;
}

const DEFAULTS: RuntimeChoice = { executionProvider: 'auto', threads: 0, frozenWeights: 'auto' };

export interface RuntimeSources {
  /** A config's `runtime` section (defaults filled); absent for commands that have no config. */
  config?: RuntimeChoice;
  /** Command-line flags: only the fields given. */
  flags?: Partial<RuntimeChoice>;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RuntimeReporting {
  /** Called with what the first session ran on, and again whenever a later one runs differently. */
  report?: (info: RuntimeInfo) => void;
  /** Names the part of the job in its reports (`base-agents`). */
  stage?: string;
}

/** An environment variable with a value the engine does not know (exit 2: the user's input). */
export class RuntimeChoiceError extends Error {
  override readonly name = 'RuntimeChoiceError';
}

/** The options every session of a job is created with. */
export function resolveRuntime(sources: RuntimeSources, reporting: RuntimeReporting = {}): RuntimeOptions {
  const choice = resolveChoice(sources);
  const asked = choice.executionProvider;
  const seen = new Set<string>();
  return {
    executionProvider: asked,
    threads: choice.threads,
    frozenWeights: choice.frozenWeights,
    onSession: (used, fallback) => {
      const key = `${used}\n${fallback}`;
      if (seen.has(key)) return;
      seen.add(key);
      reporting.report?.({
        asked,
        used,
        fallback,
        device: used === 'cpu' ? cpuName() : null,
        threads: choice.threads,
        ortVersion: ortVersion(),
        ...(reporting.stage ? { stage: reporting.stage } : {}),
      });
    },
  };
}

/** The provider, threads and frozen-weights choice of a job (precedence: the file header). */
export function resolveChoice(sources: RuntimeSources): RuntimeChoice {
  const env = sources.env ?? process.env;
  const config = sources.config ?? DEFAULTS;
  const flags = sources.flags ?? {};
  const envProvider = env[MAPORL_ENV.executionProvider];
  if (envProvider && !PROVIDER_CHOICES.some((p) => p === envProvider))
    throw new RuntimeChoiceError(
      `${MAPORL_ENV.executionProvider}="${envProvider}" is not a provider (${PROVIDER_CHOICES.join(', ')})`,
    );
  const envThreads = env[MAPORL_ENV.threads];
  if (envThreads && !(Number.isInteger(Number(envThreads)) && Number(envThreads) >= 0))
    throw new RuntimeChoiceError(`${MAPORL_ENV.threads}="${envThreads}" is not a number of threads`);
  return {
    executionProvider:
      flags.executionProvider ??
      (config.executionProvider === DEFAULTS.executionProvider && envProvider
        ? (envProvider as ProviderChoice)
        : config.executionProvider),
    threads: flags.threads ?? (config.threads === DEFAULTS.threads && envThreads ? Number(envThreads) : config.threads),
    frozenWeights: flags.frozenWeights ?? config.frozenWeights,
  };
}

/** onnxruntime-node's version. */
export function ortVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** The CPU's model name as the OS reports it, null where it reports none. */
export function cpuName(): string | null {
  return os.cpus()[0]?.model.trim() || null;
}
