// RUN/.lock: one writer per run directory. A held lock refuses a second writer with a message naming
// the holder's pid; a lock whose process is gone is taken over with a warning; the lock goes away on
// release and on process exit, and a SIGKILLed holder's lock does not block the next writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { acquireRunLock, assertUnlocked, LOCK_FILE, RunLockedError } from '../../../src/engine/io/runLock';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-lock-'));
const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));

/** A pid that is not running: a child process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Runs `body` in a child process that has taken the lock of `dir` (`lock` in scope). */
function inChild(dir: string, body: string) {
  const script = `const lock = require(${JSON.stringify(path.resolve('src/engine/io/runLock.ts'))}).acquireRunLock(${JSON.stringify(dir)}); ${body}`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
}

test('a held lock refuses a second writer, naming the holder; release frees it', () => {
  const dir = path.join(tmpDir(), 'run');
  const lock = acquireRunLock(dir);
  assert.deepEqual(Object.keys(lockOf(dir)).sort(), ['hostname', 'pid', 'startedAt']);
  assert.equal(lockOf(dir).pid, process.pid);
  assert.throws(
    () => acquireRunLock(dir),
    (e: Error) => e instanceof RunLockedError && e.message.includes(`pid ${process.pid}`) && !e.message.includes('\n'),
  );
  assert.throws(() => assertUnlocked(dir), RunLockedError);
  lock.release();
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  assertUnlocked(dir);
  acquireRunLock(dir).release();
});

test('a lock left by a dead process is taken over with one warning line', () => {
  const dir = tmpDir();
  const dead = deadPid();
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid: dead, hostname: os.hostname(), startedAt: '2020-01-01T00:00:00Z' }),
  );
  assertUnlocked(dir);
  const warnings: string[] = [];
  const lock = acquireRunLock(dir, (l) => warnings.push(l));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], new RegExp(`pid ${dead}.*no longer running`));
  assert.equal(lockOf(dir).pid, process.pid);
  lock.release();
});

test('a lock from another host counts as held (its process cannot be checked)', () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid: deadPid(), hostname: `not-${os.hostname()}`, startedAt: '2020-01-01T00:00:00Z' }),
  );
  assert.throws(() => acquireRunLock(dir), /another process is writing this run directory \(pid \d+ on not-/);
});

test('release leaves alone a lock that is no longer this one', () => {
  const dir = tmpDir();
  const lock = acquireRunLock(dir);
  const other = { pid: process.pid, hostname: os.hostname(), startedAt: 'someone else' };
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(other));
  lock.release();
  assert.deepEqual(lockOf(dir), other);
});

test('the lock goes away when its process exits without releasing it; a SIGKILLed holder does not block', () => {
  const dir = tmpDir();
  const exited = inChild(dir, 'process.exit(3);');
  assert.equal(exited.status, 3, exited.stderr);
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), 'removed at exit');
  const killed = inChild(dir, "process.kill(process.pid, 'SIGKILL');");
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), 'a hard kill leaves the lock');
  const warnings: string[] = [];
  acquireRunLock(dir, (l) => warnings.push(l)).release();
  assert.equal(warnings.length, 1);
});

test('the lock appears with its record in it: no temporary file is left, and a writer killed before the link leaves nothing that blocks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-lock-link-'));
  try {
    // What a writer killed between writing its record and linking it leaves behind.
    fs.writeFileSync(path.join(dir, '.lock.tmp-999999-0123abcd'), '{"pid":999999}\n');
    const lock = acquireRunLock(dir);
    const record = JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8'));
    assert.equal(record.pid, process.pid);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith('.lock.tmp-') && !n.includes('999999')),
      [],
    );
    lock.release();
    assert.ok(!fs.existsSync(path.join(dir, '.lock')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
