// What hovering a key of a `*.maporl.json` shows: the key's description and default from the config's
// JSON Schema (media/maporl.schema.json, generated from src/protocol/configSchema.ts) and the value it
// had in the experiment's last run (that run's config.json, every default filled). Pure.

type Schema = {
  description?: string;
  default?: unknown;
  type?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
};

/** The schema of the member at a path of keys (`['training', 'ppo', 'klCoef']`), null when the schema has none. */
export function schemaAt(schema: unknown, path: readonly string[]): Schema | null {
  let node = schema as Schema | undefined;
  for (const key of path) {
    if (!node) return null;
    if (/^\d+$/.test(key) && node.items) node = node.items;
    else node = node.properties?.[key];
  }
  return node ?? null;
}

/** The value at a path of keys in a parsed JSON value; undefined when absent. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const code = (v: unknown) => `\`${JSON.stringify(v)}\``;

export interface LastRun {
  name: string;
  config: unknown;
}

/**
 * The hover's Markdown for the key at `path`: **dotted.key**, the description, allowed values or
 * range, the default, and the last run's value (or a note that there is no run yet). Null when the
 * schema does not know the key.
 */
export function hoverMarkdown(schema: unknown, path: readonly string[], lastRun: LastRun | null): string | null {
  const s = schemaAt(schema, path);
  if (!s || path.length === 0) return null;
  const lines = [`**${path.join('.')}**`];
  if (s.description) lines.push('', s.description);
  const facts: string[] = [];
  if (Array.isArray(s.enum)) facts.push(`one of ${s.enum.map(code).join(', ')}`);
  if (typeof s.minimum === 'number' || typeof s.maximum === 'number')
    facts.push(`range ${s.minimum ?? '−∞'} … ${s.maximum ?? '∞'}`);
  const isSection = s.properties !== undefined;
  if (s.default !== undefined && !isSection) facts.push(`default ${code(s.default)}`);
  if (isSection && s.default === undefined) facts.push('optional section');
  if (facts.length) lines.push('', facts.join(' · '));
  if (lastRun) {
    const v = valueAt(lastRun.config, path);
    if (!isSection)
      lines.push(
        '',
        v === undefined ? `Not set in the last run (\`${lastRun.name}\`).` : `Last run (\`${lastRun.name}\`): ${code(v)}`,
      );
  } else {
    lines.push('', '_No run of this experiment yet._');
  }
  return lines.join('\n');
}
