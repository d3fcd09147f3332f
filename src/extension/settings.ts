// The extension's settings (`contributes.configuration` of package.json, mirrored here; a unit test
// keeps keys and defaults in step), read once per use and validated, every default filled. Pure.
import { userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_LABELS } from '../protocol/annotations';
import { PROVIDER_CHOICES, type ProviderChoice } from '../protocol/choices';
import { MAPORL_ENV } from '../protocol/environment';

export const SETTINGS_SECTION = 'maporl';

export interface Settings {
  /** Where new runs go and where runs are listed from: relative to the first workspace folder, or absolute. */
  runsFolder: string;
  /** ONNX Runtime execution provider for jobs; `auto` lets the engine choose (CPU fallback). */
  executionProvider: ProviderChoice;
  /** Intra-op threads of the engine; 0 lets ONNX Runtime decide. */
  threads: number;
  /** Milliseconds between dashboard updates (batched in between). */
  dashboardRefreshMs: number;
  /** Seconds a stopping job may take to checkpoint before it is killed. */
  stopTimeoutSeconds: number;
  /** Opening a run's dashboard also opens its experiment config and training data in the group beside it. */
  dashboardOpensConfig: boolean;
  /** The transcripts editor (`maporl.annotation.*`). */
  annotation: AnnotationSettings;
}

export interface AnnotationSettings {
  /** The label set offered (number keys 1–9 and 0 for the first ten); unique, non-empty. */
  labels: string[];
  /** Who labels: recorded on every annotation. Empty in the settings means the OS user name. */
  annotator: string;
}

export const DEFAULT_SETTINGS: Settings = {
  runsFolder: 'runs',
  executionProvider: 'auto',
  threads: 0,
  dashboardRefreshMs: 250,
  stopTimeoutSeconds: 30,
  dashboardOpensConfig: true,
  annotation: { labels: [...DEFAULT_LABELS], annotator: '' },
};

/** The OS user name, the annotator when the setting is empty; `annotator` when it cannot be read. */
export function osUserName(): string {
  try {
    return userInfo().username || 'annotator';
  } catch {
    return 'annotator';
  }
}

function labelList(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  const labels = [
    ...new Set(
      v
        .filter((x): x is string => typeof x === 'string')
        .map((x) => x.trim())
        .filter((x) => x && x.length <= 100),
    ),
  ];
  return labels.length ? labels : null;
}

const clampInt = (v: unknown, min: number, max: number, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;

/**
 * Settings from a getter of `maporl.*` keys (vscode's WorkspaceConfiguration.get; nested settings by
 * their dotted key, `annotation.labels`), with defaults.
 */
export function readSettings(get: (key: string) => unknown, userName: () => string = osUserName): Settings {
  const d = DEFAULT_SETTINGS;
  const folder = get('runsFolder');
  const ep = get('executionProvider');
  const annotator = get('annotation.annotator');
  return {
    runsFolder: typeof folder === 'string' && folder.trim() ? folder.trim() : d.runsFolder,
    executionProvider: (PROVIDER_CHOICES as readonly unknown[]).includes(ep) ? (ep as ProviderChoice) : d.executionProvider,
    threads: clampInt(get('threads'), 0, 256, d.threads),
    dashboardRefreshMs: clampInt(get('dashboardRefreshMs'), 100, 5000, d.dashboardRefreshMs),
    stopTimeoutSeconds: clampInt(get('stopTimeoutSeconds'), 1, 3600, d.stopTimeoutSeconds),
    dashboardOpensConfig:
      typeof get('dashboardOpensConfig') === 'boolean' ? (get('dashboardOpensConfig') as boolean) : d.dashboardOpensConfig,
    annotation: {
      labels: labelList(get('annotation.labels')) ?? [...d.annotation.labels],
      annotator: (typeof annotator === 'string' ? annotator.trim().slice(0, 100) : '') || userName(),
    },
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
  if (s.executionProvider !== 'auto') env[MAPORL_ENV.executionProvider] = s.executionProvider;
  if (s.threads > 0) env[MAPORL_ENV.threads] = String(s.threads);
  return env;
}
