// The extension's settings (`contributes.configuration` of package.json, mirrored here; a unit test
// keeps keys and defaults in step), read once per use and validated, every default filled. Pure.
import { isAbsolute, resolve } from 'node:path';

export const SETTINGS_SECTION = 'maporl';

export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;
export type ExecutionProviderSetting = (typeof EXECUTION_PROVIDERS)[number];

export interface Settings {
  /** Where new runs go and where runs are listed from: relative to the first workspace folder, or absolute. */
  runsFolder: string;
  /** ONNX Runtime execution provider for jobs; `auto` lets the engine choose (CPU fallback). */
  executionProvider: ExecutionProviderSetting;
  /** Intra-op threads of the engine; 0 lets ONNX Runtime decide. */
  threads: number;
  /** Milliseconds between dashboard updates (batched in between). */
  dashboardRefreshMs: number;
  /** Seconds a stopping job may take to checkpoint before it is killed. */
  stopTimeoutSeconds: number;
}

export const DEFAULT_SETTINGS: Settings = {
  runsFolder: 'runs',
  executionProvider: 'auto',
  threads: 0,
  dashboardRefreshMs: 250,
  stopTimeoutSeconds: 30,
};

const clampInt = (v: unknown, min: number, max: number, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;

/** Settings from a getter of `maporl.*` keys (vscode's WorkspaceConfiguration.get), with defaults. */
export function readSettings(get: (key: keyof Settings) => unknown): Settings {
  const d = DEFAULT_SETTINGS;
  const folder = get('runsFolder');
  const ep = get('executionProvider');
  return {
    runsFolder: typeof folder === 'string' && folder.trim() ? folder.trim() : d.runsFolder,
    executionProvider: (EXECUTION_PROVIDERS as readonly unknown[]).includes(ep) ? (ep as ExecutionProviderSetting) : d.executionProvider,
    threads: clampInt(get('threads'), 0, 256, d.threads),
    dashboardRefreshMs: clampInt(get('dashboardRefreshMs'), 100, 5000, d.dashboardRefreshMs),
    stopTimeoutSeconds: clampInt(get('stopTimeoutSeconds'), 1, 3600, d.stopTimeoutSeconds),
  };
}

/** The runs folders: the setting resolved against each workspace folder (once when absolute). */
export function runsFolders(setting: string, workspaceFolders: string[]): string[] {
  if (isAbsolute(setting)) return [resolve(setting)];
  return [...new Set(workspaceFolders.map((w) => resolve(w, setting)))];
}

/**
 * Environment through which the engine receives the execution settings: only what the user changed
 * from the defaults, so that `auto` / 0 leave the config's `runtime` section in charge.
 */
export function engineEnv(s: Settings): Record<string, string> {
  const env: Record<string, string> = {};
  if (s.executionProvider !== 'auto') env.MAPORL_EXECUTION_PROVIDER = s.executionProvider;
  if (s.threads > 0) env.MAPORL_THREADS = String(s.threads);
  return env;
}
