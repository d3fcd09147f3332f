// `npm run package [-- --target linux-x64]`: a .vsix for one platform. The bundles are rebuilt for
// production (.vscodeignore keeps source maps and the bench out). onnxruntime-node cannot be bundled
// (native binaries): it ships beside the bundles as an external, with only the target's binaries.
// Prints the package's size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const target = args.includes('--target') ? args[args.indexOf('--target') + 1] : 'linux-x64';
const [platform, arch] = target.split('-');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}-${target}.vsix`;

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, ['scripts/build.mjs', '--production']);

// vsce lets any `!pattern` win over every ignore pattern, so the broad onnxruntime lines of .vscodeignore
// are replaced by ones that name only what runs on the target: the CommonJS code and one binary folder.
const bin = 'node_modules/onnxruntime-node/bin/napi-v6';
try {
  statSync(join(bin, platform, arch));
} catch {
  console.error(`package: onnxruntime-node has no binaries for ${target} under ${bin}`);
  process.exit(1);
}
const base = readFileSync('.vscodeignore', 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('!node_modules/onnxruntime-'));
const ignore =
  [
    ...base,
    `# ${target}: onnxruntime's runtime files only`,
    '!node_modules/onnxruntime-node/package.json',
    '!node_modules/onnxruntime-node/dist/*.js',
    `!${bin}/${platform}/${arch}/**`,
    '!node_modules/onnxruntime-common/package.json',
    '!node_modules/onnxruntime-common/dist/cjs/*.js',
    '!node_modules/onnxruntime-common/dist/cjs/package.json', // marks the folder as CommonJS
  ].join('\n') + '\n';
const ignoreFile = join(mkdtempSync(join(tmpdir(), 'maporl-package-')), '.vscodeignore');
writeFileSync(ignoreFile, ignore);

run(process.execPath, [
  'node_modules/@vscode/vsce/vsce',
  'package',
  '--target',
  target,
  '--ignoreFile',
  ignoreFile,
  '--out',
  out,
  // No public repository yet: README's relative links (docs/…) stay as written.
  '--allow-missing-repository',
  '--skip-license',
  '--no-rewrite-relative-links',
]);
console.log(`package: ${out} ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
