// From a sweep file to its runs' resolved configs (each validated as `maporl train` would), and
// the sweep directory's plan: run names with stable indices, so that a resumed or extended sweep
// keeps every existing run (and Slurm array index) where it was. Every problem is one
// ConfigError line naming the sweep file and the JSON path of the value at fault.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { SweepFileSchema, type SweepFile, type SweepPlan, type SweepRun } from '../../protocol/sweepSchema';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { ConfigError, formatJsonPath, lineColumn, parseConfig, resolveConfigPaths, type MaporlConfig } from '../maporl/config';
import { jsonErrorOffset } from '../../protocol/jsonText';
import { applyOverrides, canonical, cellNames, expandSweep, runName, SweepError, unsafeSweepKey } from './expand';
import { SweepDir } from './layout';

export interface PlannedRun extends Omit<SweepRun, 'index'> {
  config: MaporlConfig;
}

export interface LoadedSweep {
  file: string;
  sweep: SweepFile;
  name: string;
  baseConfig: string;
  runs: PlannedRun[];
}

/** Reads a sweep file and its base config; expands, validates and resolves every run. */
export function loadSweep(file: string): LoadedSweep {
  const sweep = parseSweep(file, readJson(file));
  const baseConfig = path.resolve(path.dirname(file), sweep.base);
  if (!fs.existsSync(baseConfig)) throw new ConfigError(file, 'base', `${sweep.base}: file not found`);
  const base = readJson(baseConfig);
  const at = (p: (string | number)[], problem: string) => new ConfigError(file, formatJsonPath(p), problem);
  let expanded;
  try {
    expanded = expandSweep(sweep);
  } catch (e) {
    if (e instanceof SweepError) throw at(e.path, e.problem);
    throw e;
  }
  const cells = cellNames(expanded.map((r) => r.overrides));
  const runs: PlannedRun[] = [];
  const seen = new Map<string, number>();
  expanded.forEach((r, i) => {
    const { value, badKey } = applyOverrides(base, r.overrides);
    if (badKey) throw at(r.sources[badKey], `"${badKey}" goes through a value of the base config that is not an object`);
    let config: MaporlConfig;
    try {
      config = parseConfig(value, baseConfig);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const key = Object.keys(r.overrides).find((k) => pathsOverlap(k, e.where));
      if (key !== undefined) throw at(r.sources[key], `${e.where}: ${e.problem}`);
      throw at(['base'], `${sweep.base}: ${e.where}: ${e.problem} (in run ${runName(cells[i], seedOf(value))})`);
    }
    const name = runName(cells[i], config.seed);
    const before = seen.get(name);
    if (before !== undefined)
      throw at(
        Object.values(r.sources)[0] ?? ['grid'],
        `run ${name} comes twice (as run ${before + 1} and ${i + 1} of the expansion)`,
      );
    seen.set(name, i);
    runs.push({
      name,
      cell: cells[i],
      seed: config.seed,
      overrides: r.overrides,
      config: absoluteModels(resolveConfigPaths(config, baseConfig), baseConfig),
    });
  });
  const name = sweep.name ?? path.basename(file).replace(/\.sweep\.json$|\.json$/, '');
  return { file: path.resolve(file), sweep, name, baseConfig, runs };
}

/** The plan of `dir` with the loaded runs added: existing runs keep their index, new ones follow. */
export function mergePlan(dir: string, loaded: LoadedSweep): SweepPlan {
  const sd = new SweepDir(dir);
  const old = sd.loadPlan();
  const runs = [...(old?.runs ?? [])];
  let next = runs.reduce((m, r) => Math.max(m, r.index + 1), 0);
  for (const r of loaded.runs) {
    const existing = runs.find((o) => o.name === r.name);
    if (existing) {
      const file = sd.config(r.name);
      if (fs.existsSync(file) && canonical(JSON.parse(fs.readFileSync(file, 'utf8'))) !== canonical(r.config)) {
        throw new ConfigError(
          loaded.file,
          '$',
          `run ${r.name} of ${dir} was made from a different config (the sweep or its base changed); use another --out`,
        );
      }
      continue;
    }
    runs.push({ index: next++, name: r.name, cell: r.cell, seed: r.seed, overrides: r.overrides });
  }
  return { name: loaded.name, sweepFile: loaded.file, baseConfig: loaded.baseConfig, runs };
}

/** Writes the plan, each run's resolved config and the Slurm index → name list. */
export function writePlan(dir: string, plan: SweepPlan, loaded: LoadedSweep): void {
  const sd = new SweepDir(dir);
  for (const r of loaded.runs) {
    if (!fs.existsSync(sd.config(r.name))) writeJsonAtomic(sd.config(r.name), r.config);
  }
  fs.mkdirSync(path.dirname(sd.slurmNames), { recursive: true });
  const names: string[] = [];
  for (const r of plan.runs) names[r.index] = r.name;
  writeFileAtomic(sd.slurmNames, Array.from(names, (n) => (n ?? '') + '\n').join(''));
  writeJsonAtomic(sd.plan, plan);
}

// ---- helpers ----------------------------------------------------------------------------------

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, '$', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text) ?? text.length);
    throw new ConfigError(file, `${line}:${column}`, `invalid JSON: ${(e as Error).message.split(/ in JSON| at position/)[0]}`);
  }
}

function parseSweep(file: string, value: unknown): SweepFile {
  // Checked on the parsed JSON itself: the schema would drop a "__proto__" key without a word.
  const unsafe = unsafeSweepKey(value);
  if (unsafe) throw new ConfigError(file, formatJsonPath(unsafe.path), unsafe.problem);
  const result = SweepFileSchema.safeParse(value);
  if (result.success) return result.data;
  const issue: z.core.$ZodIssue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys')
    throw new ConfigError(file, formatJsonPath([...issue.path, issue.keys[0]]), 'unknown key');
  // A record key that fails its pattern: zod reports "Invalid key in record" and nests the reason.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  throw new ConfigError(file, formatJsonPath(issue.path), message);
}

/** Whether a swept dotted key and a config error's JSON path (`agents.models[1]`) concern the same value. */
function pathsOverlap(key: string, where: string): boolean {
  const p = where.replace(/\[(\d+)\]/g, '.$1');
  return p === key || p.startsWith(key + '.') || key.startsWith(p + '.');
}

const seedOf = (v: unknown) => Number((v as { seed?: unknown }).seed ?? 0);

/**
 * Model entries that name directories made absolute against the base config's folder, since the
 * run's config lives in the sweep directory. Preset names (no slash, no such directory) stay.
 */
function absoluteModels(config: MaporlConfig, baseConfig: string): MaporlConfig {
  const base = path.dirname(baseConfig);
  const fix = (m: string) => (/[\\/]/.test(m) || fs.existsSync(path.resolve(base, m)) ? path.resolve(base, m) : m);
  return {
    ...config,
    agents: { ...config.agents, models: config.agents.models.map(fix) },
    verifier: { ...config.verifier, model: fix(config.verifier.model) },
  };
}
