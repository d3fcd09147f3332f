// A full disk and a read-only run folder: `maporl train` fails with one clear line (exit 1, no stack
// trace), everything it had written stays intact (each published checkpoint matches its manifest,
// config.json and the logs parse, a cut last line aside), and once space is freed or the folder is
// writable again, `--resume` ends the run exactly like an uninterrupted one. The run folder is a small
// tmpfs (`mount -t tmpfs`, as root), grown or remounted read-only in place; where mounting is not
// permitted, the fault hook (test/helpers/faultHook.cjs) fails writes under the run folder with
// ENOSPC after the same number of bytes, or with EROFS, and the test says so (MAPORL_FAULT_NO_MOUNT=1
// takes that path anyway).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { readJsonl } from '../../src/engine/io/atomic';
import { ensureCli, halfWrittenCheckpoints, runClean, runFaulty, say } from '../helpers/faults';
import { comparable, lines, writeTinyConfig } from '../helpers/tinyRun';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-diskfull-'));
const config = writeTinyConfig(root, { iterations: 3 });
const whole = path.join(root, 'whole');
const mounts: string[] = [];
const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
after(() => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  fs.rmSync(root, { recursive: true, force: true });
});

/** A folder of `bytes` on its own tmpfs, or null where mounting is not permitted. */
function smallDisk(name: string, bytes: number): string | null {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  if (process.env.MAPORL_FAULT_NO_MOUNT === '1') return null; // to try the fallback where mounting works
  if (mount('-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

let wholeBytes = 0;
before(() => {
  ensureCli();
  assert.equal(runClean(['train', config, '--out', whole]).code, 0);
  wholeBytes = Number(spawnSync('du', ['-sb', whole], { encoding: 'utf8' }).stdout.split('\t')[0]);
});

/** What must survive a failed write: intact checkpoints, config.json, logs that parse but for a cut last line. */
function assertNothingLost(run: string, label: string): void {
  assert.deepEqual(halfWrittenCheckpoints(path.join(run, 'checkpoints')), [], `${label}: checkpoints`);
  assert.ok(
    fs.readdirSync(path.join(run, 'checkpoints')).some((n) => /^step-\d{6}$/.test(n)),
    `${label}: some checkpoint was written before`,
  );
  JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
  for (const f of ['events.jsonl', 'transcripts.jsonl']) readJsonl(path.join(run, f)); // throws on a broken line, tolerates a cut last one
}

function assertLikeUninterrupted(run: string, label: string): void {
  assert.deepEqual(
    comparable(lines(path.join(run, 'events.jsonl'))),
    comparable(lines(path.join(whole, 'events.jsonl'))),
    `${label}: events`,
  );
  assert.deepEqual(
    lines(path.join(run, 'transcripts.jsonl')),
    lines(path.join(whole, 'transcripts.jsonl')),
    `${label}: transcripts`,
  );
  const weights = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoints', 'step-000003', 'policy-0', 'model.safetensors'));
  assert.ok(weights(run).equals(weights(whole)), `${label}: final weights`);
}

/** exit 1 and one line that names the problem, no stack trace. */
function assertClearError(r: { code: number | null; stderr: string }, problem: RegExp, label: string): void {
  assert.equal(r.code, 1, `${label}: exit code (stderr: ${r.stderr})`);
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('maporl:'));
  assert.equal(errorLines.length, 1, r.stderr);
  assert.match(errorLines[0], problem);
  assert.match(errorLines[0], /continue with --resume$/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${label}: a stack trace`);
}

test('a disk that fills up mid-run: one clear line, nothing written is lost, and the run resumes once space is freed', async () => {
  // Room for about 60% of the run: the disk fills up while a later checkpoint is written.
  const size = Math.ceil((wholeBytes * 0.6) / 4096) * 4096;
  const disk = smallDisk('full', size);
  const run = path.join(disk ?? path.join(root, 'full'), 'run');
  say(
    disk
      ? `run folder on a ${size}-byte tmpfs (the whole run takes ${wholeBytes})`
      : `mount not permitted: ENOSPC injected by the fault hook after ${size} bytes under the run folder`,
  );
  const failed = disk
    ? runClean(['train', config, '--out', run])
    : await runFaulty(['train', config, '--out', run], { MAPORL_FAULT_MATCH: run, MAPORL_FAULT_ENOSPC_AFTER: String(size) });
  assertClearError(failed, /no space left on device \(ENOSPC/, 'disk full');
  assertNothingLost(run, 'disk full');
  assert.ok(!fs.existsSync(path.join(run, '.lock')), 'the lock is released');

  if (disk) assert.equal(mount('-o', `remount,size=${wholeBytes * 4}`, disk).status, 0, 'grow the tmpfs');
  const resumed = runClean(['train', '--resume', run]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assertLikeUninterrupted(run, 'after freeing space');
});

test('a read-only run folder: resume refuses with one clear line and changes nothing; writable again, it resumes', async () => {
  const disk = smallDisk('ro', wholeBytes * 4);
  const run = path.join(disk ?? path.join(root, 'ro'), 'run');
  // A run stopped after its checkpoint of step 1 (the files of an uninterrupted run cut back to that moment).
  fs.cpSync(whole, run, { recursive: true });
  fs.rmSync(path.join(run, 'summary.json'));
  for (const step of ['step-000002', 'step-000003']) fs.rmSync(path.join(run, 'checkpoints', step), { recursive: true });
  const marks = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'step-000001', 'trainer_state.json'), 'utf8')).logs;
  fs.truncateSync(path.join(run, 'events.jsonl'), marks.events);
  fs.truncateSync(path.join(run, 'transcripts.jsonl'), marks.transcripts);
  const snapshot = () =>
    spawnSync('sh', ['-c', `cd '${run}' && find . -type f | sort | xargs sha256sum`], { encoding: 'utf8' }).stdout;
  const was = snapshot();

  say(
    disk
      ? 'run folder on a tmpfs remounted read-only'
      : 'mount not permitted: EROFS injected by the fault hook under the run folder',
  );
  if (disk) assert.equal(mount('-o', 'remount,ro', disk).status, 0, 'remount read-only');
  const refused = disk
    ? runClean(['train', '--resume', run])
    : await runFaulty(['train', '--resume', run], { MAPORL_FAULT_MATCH: run, MAPORL_FAULT_EROFS: '1' });
  assertClearError(refused, /read-only file system \(EROFS/, 'read-only');
  assert.equal(snapshot(), was, 'nothing changed');

  if (disk) assert.equal(mount('-o', 'remount,rw', disk).status, 0, 'remount writable');
  const resumed = runClean(['train', '--resume', run]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assertLikeUninterrupted(run, 'writable again');
});
