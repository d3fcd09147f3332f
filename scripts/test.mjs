// Runs every unit test (test/**/*.test.ts) with node's built-in runner, TypeScript through tsx.
// Extra args are passed to `node --test` (e.g. --test-name-pattern). The e2e suite is separate.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'e2e' ? [] : find(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}
const files = find('test').sort();
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...process.argv.slice(2), ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
