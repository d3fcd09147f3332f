// `maporl prepare-agents` stopped by Ctrl-C (SIGINT) leaves no `<cache>/base-agents/<recipe>.tmp-PID-*`
// behind (a model's size each time), and one left by a process that was killed outright (SIGKILL)
// is removed by the next preparation; a live preparation's temporary is left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { maporl, maporlChild } from './run';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-prepare-stop-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
process.env.MAPORL_CACHE_DIR = path.join(root, 'cache'); // inherited by the commands started here
const bases = path.join(root, 'cache', 'base-agents');
const temps = () => (fs.existsSync(bases) ? fs.readdirSync(bases).filter((f) => f.includes('.tmp-')) : []);

test('Ctrl-C during prepare-agents removes its temporary folder', async () => {
  let sent = false;
  const { child, done } = maporlChild(['prepare-agents', '--task', 'arith', '--steps', '5000', '--seed', '41'], (text, kill) => {
    // The first progress line: SFT runs, the temporary holds the initial model and the data.
    if (!sent && /sft/.test(text) && temps().length) {
      sent = true;
      kill('SIGINT');
    }
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000); // 5000 steps would take minutes
  const r = await done;
  clearTimeout(guard);
  assert.ok(sent, `never saw the SFT start: ${r.stderr}`);
  assert.notEqual(r.code, 0);
  assert.deepEqual(temps(), []);
});

test("a killed preparation's temporary is removed by the next one; a live one's is kept", () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  fs.mkdirSync(bases, { recursive: true });
  const left = path.join(bases, `arith-tiny-0000000000000000.tmp-${dead}-0badf00d`);
  fs.mkdirSync(path.join(left, 'init'), { recursive: true });
  const live = path.join(bases, `arith-tiny-1111111111111111.tmp-${process.pid}-0badf00d`);
  fs.mkdirSync(live);
  const r = maporl(['prepare-agents', '--task', 'arith', '--steps', '2', '--seed', '42']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(temps(), [path.basename(live)]);
});
