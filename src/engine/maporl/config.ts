// Loading `*.maporl.json`: JSON syntax, the schema (src/protocol/configSchema.ts) and the checks
// across fields, each failure one line `<file>: <json.path>: <message>` (for a JSON syntax error
// `<file>:<line>:<column>: <message>`), so the CLI can print it and exit 2.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { jsonErrorOffset, offsetToPosition } from '../../protocol/jsonText';
import { crossCheckConfig, MaporlConfigSchema, type MaporlConfig } from '../../protocol/configSchema';

export { crossCheckConfig, type MaporlConfig } from '../../protocol/configSchema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    /** JSON path (`training.ppo.lr`, `$` for the whole document) or `line:column` for syntax errors. */
    readonly where: string,
    readonly problem: string,
  ) {
    super(/^\d+:\d+$/.test(where) ? `${file}:${where}: ${problem}` : `${file}: ${where}: ${problem}`);
  }
}

/** `training.ppo.lr`, `agents.models[1]`; `$` for the root. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += (out ? '.' : '') + String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '$';
}

/** 1-based line and column of a character offset (clamped to the text), as error messages give them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const p = offsetToPosition(text, Math.max(0, Math.min(offset, text.length)));
  return { line: p.line + 1, column: p.column + 1 };
}

function parseJsonText(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // Our scanner finds the offset for every error; V8 names it only for some ("… at position 42").
    const v8 = /position (\d+)/.exec(message);
    const { line, column } = lineColumn(text, jsonErrorOffset(text) ?? (v8 ? Number(v8[1]) : text.length));
    throw new ConfigError(
      file,
      `${line}:${column}`,
      `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '')}`,
    );
  }
}

function firstIssue(file: string, issues: readonly z.core.$ZodIssue[]): ConfigError {
  const issue = issues[0];
  if (issue.code === 'unrecognized_keys') {
    return new ConfigError(file, formatJsonPath([...issue.path, issue.keys[0]]), 'unknown key');
  }
  return new ConfigError(file, formatJsonPath(issue.path), issue.message);
}

/**
 * Validate an already-parsed JSON value as a config: the schema fills every default, then the
 * cross-field checks run. `file` only labels the error.
 */
export function parseConfig(value: unknown, file = '<config>'): MaporlConfig {
  const result = MaporlConfigSchema.safeParse(value);
  if (!result.success) throw firstIssue(file, result.error.issues);
  const [cross] = crossCheckConfig(result.data);
  if (cross) throw new ConfigError(file, cross.path, cross.message);
  return result.data;
}

/** Read, parse and validate a `*.maporl.json` file; throws ConfigError with one line on any problem. */
export function loadConfig(file: string): MaporlConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, '$', code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (e as Error).message})`);
  }
  return parseConfig(parseJsonText(file, text), file);
}

/**
 * The config with its dataset paths and human-label run directories made absolute against the
 * config file's folder, so the run's `config.json` means the same from any working directory. Model
 * entries are left as written: whether one is a preset name or a directory is the model loader's call.
 */
export function resolveConfigPaths(config: MaporlConfig, configFile: string): MaporlConfig {
  const base = dirname(resolve(configFile));
  const task = { ...config.task };
  if (task.trainFile !== undefined) task.trainFile = resolve(base, task.trainFile);
  if (task.testFile !== undefined) task.testFile = resolve(base, task.testFile);
  const labels = config.verifier.humanLabels;
  const verifier = labels
    ? { ...config.verifier, humanLabels: { ...labels, runs: labels.runs.map((r) => resolve(base, r)) } }
    : config.verifier;
  return { ...config, task, verifier };
}
