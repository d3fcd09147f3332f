// Builds the separate bundles: the engine/CLI (Node), the extension host (Node, `vscode` external)
// and the webviews (browser). onnxruntime-node stays external: it carries native binaries.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const nodeTargets = [
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
  { entry: 'bench/main.ts', out: 'dist/bench.js' },
  { entry: 'bench/ladder.ts', out: 'dist/ladder.js' },
  { entry: 'bench/experiments.ts', out: 'dist/experiments.js' },
  // The GPU suite, carried to the device machine with Node and onnxruntime-node (scripts/gpu-device.sh).
  { entry: 'bench/gpu.ts', out: 'dist/gpu.js' },
  { entry: 'src/extension/extension.ts', out: 'dist/extension.js' },
  // The PPO update worker, started by the bundles above from their own folder (maporl/ppo/updateWorker.ts).
  { entry: 'src/engine/maporl/ppo/updateWorkerMain.ts', out: 'dist/ppoUpdateWorker.js' },
];
const webTargets = [
  { entry: 'webview/dashboard/main.ts', out: 'dist/webview/dashboard.js' },
  { entry: 'webview/transcripts/main.ts', out: 'dist/webview/transcripts.js' },
  { entry: 'webview/compare/main.ts', out: 'dist/webview/compare.js' },
  { entry: 'webview/sweep/main.ts', out: 'dist/webview/sweep.js' },
];

// A missing entry point fails the build: skipping it would leave its bundle stale or absent while
// the build (and the tests that run the bundle) report success.
const missing = [...nodeTargets, ...webTargets].map((t) => t.entry).filter((entry) => !existsSync(entry));
if (missing.length) {
  console.error(
    `build: missing entry point${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (run from the repository root)`,
  );
  process.exit(1);
}

const builds = [];
for (const t of nodeTargets) {
  builds.push(
    esbuild.build({
      ...common,
      entryPoints: [t.entry],
      outfile: t.out,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // tsx: resolved only where the engine runs from source (ppo/updateWorker.ts starts its worker through it).
      external: ['vscode', 'onnxruntime-node', 'tsx'],
      banner: t.banner ? { js: t.banner } : undefined,
    }),
  );
}
for (const t of webTargets) {
  builds.push(
    esbuild.build({ ...common, entryPoints: [t.entry], outfile: t.out, platform: 'browser', target: 'es2022', format: 'iife' }),
  );
}
await Promise.all(builds);
// media/maporl.schema.json from the config's zod schema (src/protocol/configSchema.ts).
await (await import('./gen-schema.mjs')).writeSchema();
