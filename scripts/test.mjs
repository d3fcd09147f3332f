// Runs every unit test (test/**/*.test.ts) with node's built-in runner, TypeScript through tsx.
// Extra args are passed to `node --test` (e.g. --test-name-pattern). The e2e suite is separate.
// The tests make their scratch folders under os.tmpdir(); the run points TMPDIR at a folder of its
// own and removes it afterwards (MAPORL_KEEP_TEST_TMP=1 keeps it), so no run leaves them behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const scratch = mkdtempSync(join(tmpdir(), 'maporl-test-'));
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch } });
if (process.env.MAPORL_KEEP_TEST_TMP) console.log(`test scratch kept in ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
process.exit(r.status ?? 1);
