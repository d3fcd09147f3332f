// Writes media/maporl.schema.json, the JSON Schema of `*.maporl.json` configs, from the zod schema in
// src/protocol/configSchema.ts (the single source of the config's type, defaults and schema), and
// media/sweep.schema.json (`*.sweep.json`) from src/protocol/sweepSchema.ts.
// Run by scripts/build.mjs; alone: `node scripts/gen-schema.mjs [--check]` (--check: exit 1 if stale).
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(root, 'media', 'maporl.schema.json');
const SCHEMAS = [
  { path: SCHEMA_PATH, source: 'src/protocol/configSchema.ts', fn: 'maporlConfigJsonSchema' },
  { path: join(root, 'media', 'sweep.schema.json'), source: 'src/protocol/sweepSchema.ts', fn: 'sweepJsonSchema' },
];

/** The schema's JSON text (2-space indent, final newline), computed from the TypeScript source. */
export async function schemaText(schema = SCHEMAS[0]) {
  const out = await esbuild.build({
    entryPoints: [join(root, schema.source)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['zod'],
    logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(
    mod,
    mod.exports,
    createRequire(join(root, 'package.json')),
  );
  return JSON.stringify(mod.exports[schema.fn](), null, 2) + '\n';
}

/** Rewrites the schemas that differ (atomically); returns whether any changed. */
export async function writeSchema() {
  let changed = false;
  for (const schema of SCHEMAS) {
    const text = await schemaText(schema);
    let old = null;
    try {
      old = readFileSync(schema.path, 'utf8');
    } catch {
      /* first build */
    }
    if (old === text) continue;
    const tmp = `${schema.path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, schema.path);
    changed = true;
  }
  return changed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    for (const schema of SCHEMAS) {
      let old = null;
      try {
        old = readFileSync(schema.path, 'utf8');
      } catch {
        /* missing */
      }
      if (old !== (await schemaText(schema))) {
        console.error(`${schema.path}: stale, run node scripts/gen-schema.mjs`);
        process.exit(1);
      }
    }
  } else if (await writeSchema()) console.log('wrote the JSON schemas in media/');
}
