// Expanding a sweep into runs (pure; no files): every list entry crossed with every point of the
// grid, each a set of dotted-path overrides applied to the base config, and each run's name made
// from its values so that the same sweep file always gives the same names (resume depends on it).

import { createHash } from 'node:crypto';
import type { SweepFile } from '../../protocol/sweepSchema';

/** One run before validation: its overrides and, for each, where in the sweep file the value is. */
export interface ExpandedRun {
  overrides: Record<string, unknown>;
  /** Config path → sweep-file JSON path of its value (`["grid", "seed", 1]`). */
  sources: Record<string, (string | number)[]>;
}

/**
 * The runs of a sweep, in a fixed order: list entries outside, grid points inside, the grid's
 * first key varying slowest. A key set twice for one run (by the grid and a list entry, or as a
 * path and a path under it) is an error: which value wins would be a guess.
 */
export function expandSweep(sweep: Pick<SweepFile, 'grid' | 'list'>): ExpandedRun[] {
  const entries = sweep.list ?? [{}];
  const gridKeys = Object.keys(sweep.grid ?? {});
  for (const key of [...gridKeys, ...entries.flatMap((e) => Object.keys(e))]) {
    const bad = key.split('.').find((part) => UNSAFE_KEYS.has(part));
    if (bad !== undefined) throw new SweepError(sourceOf(sweep, key), `"${key}": "${bad}" is not a config key`);
  }
  // Counted before anything is built: a typo in a grid (a list of 10^5 values) would otherwise
  // expand, name and validate every run for minutes before saying anything.
  const count = entries.length * gridKeys.reduce((n, k) => n * sweep.grid![k].length, 1);
  if (count > MAX_RUNS)
    throw new SweepError(gridKeys.length ? ['grid'] : ['list'], `${count} runs: a sweep holds at most ${MAX_RUNS}`);
  let points: ExpandedRun[] = [{ overrides: {}, sources: {} }];
  for (const key of gridKeys) {
    const values = sweep.grid![key];
    points = points.flatMap((p) =>
      values.map((v, i) => ({
        overrides: { ...p.overrides, [key]: v },
        sources: { ...p.sources, [key]: ['grid', key, i] },
      })),
    );
  }
  const runs: ExpandedRun[] = [];
  entries.forEach((entry, e) => {
    const fromList: ExpandedRun = {
      overrides: { ...entry },
      sources: Object.fromEntries(Object.keys(entry).map((k) => [k, ['list', e, k]])),
    };
    for (const point of points) {
      for (const key of Object.keys(point.overrides)) {
        const clash = Object.keys(entry).find((k) => overlaps(k, key));
        if (clash !== undefined) throw new SweepError(['list', e, clash], `"${clash}" is also swept by grid["${key}"]`);
      }
      runs.push({ overrides: { ...fromList.overrides, ...point.overrides }, sources: { ...fromList.sources, ...point.sources } });
    }
  });
  for (const keys of [gridKeys, ...entries.map((x) => Object.keys(x))]) {
    for (const a of keys)
      for (const b of keys) {
        if (a < b && overlaps(a, b)) throw new SweepError(sourceOf(sweep, a), `"${a}" and "${b}" overlap: set one or the other`);
      }
  }
  return runs;
}

/** At most this many runs in one sweep directory (each is a process, a run directory and a status row). */
export const MAX_RUNS = 10_000;

/** Path parts that would reach an object's prototype instead of a config key (`__proto__.x`). */
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** The first grid or list key of a raw sweep file that would reach a prototype, with where it is. */
export function unsafeSweepKey(raw: unknown): { path: (string | number)[]; problem: string } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { grid, list } = raw as { grid?: unknown; list?: unknown };
  const places: [(string | number)[], unknown][] = [
    [['grid'], grid],
    ...(Array.isArray(list) ? list.map((e, i): [(string | number)[], unknown] => [['list', i], e]) : []),
  ];
  for (const [at, obj] of places) {
    if (typeof obj !== 'object' || obj === null) continue;
    for (const key of Object.keys(obj)) {
      const bad = key.split('.').find((part) => UNSAFE_KEYS.has(part));
      if (bad !== undefined) return { path: [...at, key], problem: `"${key}": "${bad}" is not a config key` };
    }
  }
  return null;
}

/** A problem at a sweep-file JSON path; the caller names the file. */
export class SweepError extends Error {
  constructor(
    readonly path: (string | number)[],
    readonly problem: string,
  ) {
    super(problem);
  }
}

const overlaps = (a: string, b: string) => a === b || a.startsWith(b + '.') || b.startsWith(a + '.');
const sourceOf = (s: Pick<SweepFile, 'grid' | 'list'>, key: string): (string | number)[] =>
  s.grid && key in s.grid ? ['grid', key] : ['list', (s.list ?? []).findIndex((e) => key in e), key];

/**
 * The base config with the overrides applied: each value (a deep copy) replaces what is at its
 * dotted path, creating objects on the way. A path through a non-object (`reward.alpha.x`) fails.
 */
export function applyOverrides(base: unknown, overrides: Record<string, unknown>): { value: unknown; badKey?: string } {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.');
    let node: Record<string, unknown> = out;
    if (parts.some((part) => UNSAFE_KEYS.has(part))) return { value: out, badKey: key };
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(node, part)) node[part] = {};
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) return { value: out, badKey: key };
      node = next as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = structuredClone(value);
  }
  return { value: out };
}

// ---- names ----------------------------------------------------------------------------------

const MAX_CELL = 100;

/**
 * Cell names (the non-seed overrides) for a sweep's runs: `alpha-1_0_0_0__lr-0.001`, `base` when
 * a run overrides nothing but the seed. A key is shown by its last part unless two swept keys share
 * it (then in full). Names that would still collide, or run long, get a hash of the overrides.
 */
export function cellNames(runs: readonly Record<string, unknown>[]): string[] {
  const keys = [...new Set(runs.flatMap((o) => Object.keys(o)))].filter((k) => k !== 'seed');
  const lastPart = (k: string) => k.slice(k.lastIndexOf('.') + 1);
  const sharing = new Map<string, number>();
  for (const k of keys) sharing.set(lastPart(k), (sharing.get(lastPart(k)) ?? 0) + 1);
  const label = (k: string) => ((sharing.get(lastPart(k)) ?? 0) > 1 ? k : lastPart(k));
  const plain = runs.map((o) => {
    const parts = Object.entries(o)
      .filter(([k]) => k !== 'seed')
      .map(([k, v]) => `${label(k)}-${slug(v)}`);
    return parts.length ? parts.join('__') : 'base';
  });
  const canon = runs.map((o) => canonical(Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'seed'))));
  // Which distinct override sets share each plain name (one pass: comparing every pair is quadratic).
  const canonsOf = new Map<string, Set<string>>();
  plain.forEach((name, i) => canonsOf.set(name, (canonsOf.get(name) ?? new Set()).add(canon[i])));
  return plain.map((name, i) => {
    const clash = canonsOf.get(name)!.size > 1;
    if (!clash && name.length <= MAX_CELL) return name;
    return `${name.slice(0, MAX_CELL - 8)}-${hash(canon[i])}`;
  });
}

export const runName = (cell: string, seed: number) => `${cell}__seed-${seed}`;

/** A value as a file-name-safe word: 0.001, true, 1_0_0_0, models_a; objects by a hash. */
export function slug(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.map(slug).join('_') : 'none';
  if (v !== null && typeof v === 'object') return `h${hash(canonical(v))}`;
  const s = String(v)
    .replace(/[^A-Za-z0-9.+-]+/g, '_')
    .replace(/^[_.]+|_+$/g, '');
  return s || 'empty';
}

/** JSON with object keys sorted, so equal values have one text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6);
