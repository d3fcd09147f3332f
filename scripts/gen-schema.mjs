// Writes media/maporl.schema.json, the JSON Schema of `*.maporl.json` configs, from the zod schema in
// src/protocol/configSchema.ts (the single source of the config's type, defaults and schema).
// Run by scripts/build.mjs; alone: `node scripts/gen-schema.mjs [--check]` (--check: exit 1 if stale).
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(root, 'media', 'maporl.schema.json');

/** The schema's JSON text (2-space indent, final newline), computed from the TypeScript source. */
export async function schemaText() {
  const out = await esbuild.build({
    entryPoints: [join(root, 'src/protocol/configSchema.ts')], bundle: true, write: false,
    platform: 'node', format: 'cjs', target: 'node20', external: ['zod'], logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, createRequire(join(root, 'package.json')));
  return JSON.stringify(mod.exports.maporlConfigJsonSchema(), null, 2) + '\n';
}

/** Rewrites media/maporl.schema.json when it differs (atomically); returns whether it changed. */
export async function writeSchema() {
  const text = await schemaText();
  let old = null;
  try { old = readFileSync(SCHEMA_PATH, 'utf8'); } catch { /* first build */ }
  if (old === text) return false;
  const tmp = `${SCHEMA_PATH}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, SCHEMA_PATH);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    let old = null;
    try { old = readFileSync(SCHEMA_PATH, 'utf8'); } catch { /* missing */ }
    if (old !== (await schemaText())) { console.error(`${SCHEMA_PATH}: stale, run node scripts/gen-schema.mjs`); process.exit(1); }
  } else if (await writeSchema()) console.log(`wrote ${SCHEMA_PATH}`);
}
