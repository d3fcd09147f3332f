// `npm run lint`: the architecture gate. Runs, two at a time (ESLint is the long one), and prints
// each tool's findings under its name with its time; fails when any of them fails.
//   eslint       typescript-eslint's recommended rules + a few type-aware ones (eslint.config.mjs)
//   depcruise    layer boundaries of docs/design.md and import cycles (.dependency-cruiser.cjs)
//   knip         unused files, exports and dependencies (knip.jsonc)
//   prettier     the layout (.prettierrc; `npm run format` rewrites it)
// Unused locals and parameters are the compiler's (tsconfig.json), checked by `npm run typecheck`.
// Extra arguments name the steps to run, e.g. `npm run lint -- depcruise knip`.
import { spawn } from 'node:child_process';

const bin = (name) => `node_modules/.bin/${name}`;
const STEPS = {
  eslint: [bin('eslint'), '--max-warnings=0', 'src', 'webview', 'test', 'bench', 'scripts', '*.mjs', '*.cjs'],
  depcruise: [bin('depcruise'), '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src', 'webview'],
  knip: [bin('knip'), '--no-progress'],
  prettier: [bin('prettier'), '--check', '--log-level=warn', '.'],
};
const PARALLEL = 2;

const wanted = process.argv.slice(2);
const unknown = wanted.filter((s) => !(s in STEPS));
if (unknown.length) {
  console.error(`lint: unknown step ${unknown.join(', ')} (steps: ${Object.keys(STEPS).join(', ')})`);
  process.exit(2);
}
const names = wanted.length ? wanted : Object.keys(STEPS);

function run(name) {
  const [cmd, ...args] = STEPS[name];
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ name, code: 1, out: `${e.message}\n`, ms: Date.now() - start }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, out, ms: Date.now() - start }));
  });
}

const start = Date.now();
const queue = [...names];
const results = [];
await Promise.all(
  Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      const r = await run(name);
      results.push(r);
      const text = r.out.trim();
      console.log(`── ${r.name}: ${r.code === 0 ? 'ok' : 'FAILED'} (${(r.ms / 1000).toFixed(1)} s)`);
      if (text) console.log(text + '\n');
    }
  }),
);
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
console.log(`lint: ${failed.length ? `failed: ${failed.join(', ')}` : 'ok'} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
process.exit(failed.length ? 1 : 0);
