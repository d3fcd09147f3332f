// `--out` and `--force` through the real command: nothing of the user's is replaced. A FIFO, a
// private device node (mknod, in a scratch folder; never the machine's /dev/null) or a symbolic
// link named by --out is written through or refused with exit 2; --force refuses a folder the
// project did not write, the current directory, and an --out that is a file; a broken RUN/config.json
// on --resume is one line naming it. Every refusal here comes before any model is built or trained.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fakeRun, label, transcript } from '../engine/annotations/fakeRun';
import { storageProblem } from '../../src/cli/errors';
import { assertBadInput, maporl, type CliResult } from './run';

const REPO = path.resolve(__dirname, '..', '..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cli-outputs-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const scratch = () => fs.mkdtempSync(path.join(root, `${n++}-`));

/** `maporl` run from `cwd` (the others run from the repository), killed after `timeoutMs`. */
function maporlIn(cwd: string, args: string[], timeoutMs = 120_000): CliResult {
  maporl(['--help']); // builds dist/cli.js when the sources are newer
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `maporl` in the background, so that a test can read the FIFO it writes. */
function maporlBackground(args: string[]): Promise<CliResult> {
  maporl(['--help']);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args], { cwd: REPO });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function fifo(dir: string): string {
  const p = path.join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [p]).status, 0);
  return p;
}

/** Private non-regular nodes in `dir`: a FIFO, and a null device where mknod is permitted. */
function specialNodes(dir: string): string[] {
  const dev = path.join(dir, 'null');
  return [fifo(dir), ...(spawnSync('mknod', [dev, 'c', '1', '3']).status === 0 ? [dev] : [])];
}

const identity = (p: string) => {
  const st = fs.lstatSync(p);
  return { ino: st.ino, mode: st.mode };
};

function readFifo(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const cat = spawn('cat', [p]);
    let out = '';
    cat.stdout.on('data', (d) => (out += d));
    cat.on('error', reject);
    cat.on('close', () => resolve(out));
  });
}

function tinyConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'exp.maporl.json');
  fs.writeFileSync(file, JSON.stringify({ training: { mode: 'none' }, verifier: { type: 'ground-truth' }, ...extra }));
  return file;
}

test('init-model --force onto a FIFO or a device refuses (exit 2) and leaves the node as it was', () => {
  const dir = scratch();
  for (const node of specialNodes(dir)) {
    const before = identity(node);
    assertBadInput(maporl(['init-model', '--preset', 'tiny', '--out', node, '--force']), /not a directory/, node);
    assert.deepEqual(identity(node), before, `${node} is untouched`);
  }
});

/** The command's result; when it did not open the FIFO, the reader is released (an empty write) so the test ends. */
async function writingTo(p: string, args: string[]): Promise<CliResult> {
  const r = await maporlBackground(args);
  if (r.code !== 0 && fs.lstatSync(p, { throwIfNoEntry: false })?.isFIFO()) fs.writeFileSync(p, '');
  return r;
}

test('data --out a FIFO writes through it (no --force needed) and leaves the FIFO', { timeout: 60_000 }, async () => {
  const dir = scratch();
  const p = fifo(dir);
  const read = readFifo(p);
  const r = await writingTo(p, ['data', '--task', 'arith', '--n', '3', '--out', p]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await read).trim().split('\n').length, 3);
  assert.ok(fs.lstatSync(p).isFIFO());
});

test('data --out a link writes its target, keeps the link; --force onto a device writes through it', () => {
  const dir = scratch();
  const target = path.join(dir, 'real.jsonl');
  fs.writeFileSync(target, '');
  const link = path.join(dir, 'link.jsonl');
  fs.symlinkSync(target, link);
  assert.equal(maporl(['data', '--task', 'arith', '--n', '2', '--out', link, '--force']).code, 0);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readFileSync(target, 'utf8').trim().split('\n').length, 2);
  const dev = path.join(dir, 'null');
  if (spawnSync('mknod', [dev, 'c', '1', '3']).status !== 0) return;
  const before = identity(dev);
  const r = maporl(['data', '--task', 'arith', '--n', '2', '--out', dev, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(identity(dev), before);
});

test('data --n beyond a million is refused up front', () => {
  const out = path.join(scratch(), 'x');
  assertBadInput(maporlIn(REPO, ['data', '--task', 'arith', '--n', '1000000000', '--out', out], 20_000), /--n must be/, '--n');
  assert.ok(!fs.existsSync(out));
});

test('annotations export --out: a FIFO is written through, a directory is exit 2 in one line', { timeout: 60_000 }, async () => {
  const run = fakeRun([transcript('d1', 0, [[0.9, true]])], [label('d1', 0, 0, 'persuasive')]);
  const dir = scratch();
  assertBadInput(maporl(['annotations', 'export', run, '--format', 'csv', '--out', dir]), /is a directory/, 'export --out DIR');
  const p = fifo(dir);
  const read = readFifo(p);
  const r = await writingTo(p, ['annotations', 'export', run, '--format', 'csv', '--out', p]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(await read, /persuasive/);
  assert.ok(fs.lstatSync(p).isFIFO());
});

test('train --force into a folder the project did not write: exit 2, nothing deleted', () => {
  const proj = scratch();
  const config = tinyConfig(proj);
  fs.writeFileSync(path.join(proj, 'notes.txt'), 'mine');
  fs.mkdirSync(path.join(proj, 'src'));
  fs.writeFileSync(path.join(proj, 'src', 'a.ts'), 'code');
  assertBadInput(maporl(['train', config, '--out', proj, '--force']), /not a run directory this project wrote/, 'train --force');
  assert.deepEqual(fs.readdirSync(proj).sort(), ['exp.maporl.json', 'notes.txt', 'src']);
  assert.equal(fs.readFileSync(path.join(proj, 'src', 'a.ts'), 'utf8'), 'code');
});

test('train --out . --force: a clean one-line refusal, the folder kept', () => {
  const proj = scratch();
  tinyConfig(proj);
  fs.writeFileSync(path.join(proj, 'events.jsonl'), '');
  const r = maporlIn(proj, ['train', 'exp.maporl.json', '--out', '.', '--force']);
  assertBadInput(r, /\.: /, 'train --out . --force');
  assert.deepEqual(fs.readdirSync(proj).sort(), ['events.jsonl', 'exp.maporl.json']);
});

test('an --out that is a file: train, demo, prepare-agents and sweep exit 2 in one line, the file kept', () => {
  const dir = scratch();
  const file = path.join(dir, 'taken');
  fs.writeFileSync(file, 'mine');
  const config = tinyConfig(dir);
  const sweep = path.join(dir, 'x.sweep.json');
  fs.writeFileSync(sweep, JSON.stringify({ base: 'exp.maporl.json', grid: { seed: [0] } }));
  for (const args of [
    ['train', config, '--out', file],
    ['demo', '--quick', '--out', file],
    ['prepare-agents', '--task', 'arith', '--steps', '2', '--out', file, '--force'],
    ['sweep', sweep, '--out', file],
  ])
    assertBadInput(maporl(args), /taken: is a regular file, not a directory/, args[0]);
  assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
});

test('train --resume with a broken RUN/config.json: exit 2, one line naming the file', () => {
  const run = scratch();
  fs.writeFileSync(path.join(run, 'config.json'), '{"name": "x", ');
  assertBadInput(
    maporl(['train', '--resume', run]),
    new RegExp(`${path.join(run, 'config.json')}:\\d+:\\d+: invalid JSON`),
    'resume',
  );
});

test('a refused write says --resume only for the commands that have it', () => {
  const err = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'open', path: '/x/out.csv' });
  assert.match(storageProblem(err)!, /continue with --resume$/);
  assert.match(storageProblem(err, false)!, /^permission denied \(EACCES, open at \/x\/out\.csv\).*run the command again$/);
  assert.doesNotMatch(storageProblem(err, false)!, /--resume/);
});
