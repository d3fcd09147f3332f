// The config differences between the sides: each run's resolved config.json flattened to dotted keys
// (`training.ppo.lr`), and the keys whose values are not the same on every side. Arrays are values, not
// branches (`agents.models` is one value), since their elements mean something only together. Pure.
import type { ConfigDiffRow } from '../../protocol/compareView';

export interface FlatValue {
  pointer: string;
  value: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Leaves of a JSON value by dotted key, in document order: JSON pointer and the value as JSON text. */
export function flattenConfig(value: unknown): Map<string, FlatValue> {
  const out = new Map<string, FlatValue>();
  const walk = (v: unknown, keys: string[]) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...keys, k]);
      return;
    }
    out.set(keys.join('.'), { pointer: keys.map((k) => `/${escapePointer(k)}`).join(''), value: JSON.stringify(v) ?? 'null' });
  };
  walk(value, []);
  return out;
}

/**
 * Rows for the keys whose values differ between the configs (a missing config counts as missing every
 * key), in the order of first appearance. One config, or all equal: no rows.
 */
export function configDiff(configs: readonly (Record<string, unknown> | null)[]): ConfigDiffRow[] {
  const flat = configs.map((c) => (c ? flattenConfig(c) : new Map<string, FlatValue>()));
  const keys = new Map<string, string>();
  for (const f of flat) for (const [k, { pointer }] of f) if (!keys.has(k)) keys.set(k, pointer);
  const rows: ConfigDiffRow[] = [];
  for (const [key, pointer] of keys) {
    const values = flat.map((f) => f.get(key)?.value ?? null);
    if (values.some((v) => v !== values[0])) rows.push({ key, pointer, values });
  }
  return rows;
}
