// What `--out` and `--force` may do (io/outputs.ts, atomic.ts): a device, a FIFO or a symbolic link
// named as an output is written through or refused, never replaced; --force empties only what the
// project wrote and keeps human annotations; a directory two writers save at once ends complete.
// The device is a private node made with mknod in a scratch folder (never the machine's /dev/null);
// where mknod is not permitted, the FIFO cases still run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { removeDeadTemps, tempPathFor, writeDirAtomic, writeFileAtomic } from '../../../src/engine/io/atomic';
import { OutputDirError } from '../../../src/engine/io/errors';
import {
  DEMO_DIR_ENTRIES,
  MODEL_DIR_ENTRIES,
  outputDir,
  prepareOutputDir,
  RUN_DIR_ENTRIES,
  writeOutputFile,
} from '../../../src/engine/io/outputs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-outputs-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const scratch = () => fs.mkdtempSync(path.join(root, `${n++}-`));

/** A private null device (char 1,3) in `dir`, or null where mknod is not permitted. */
function privateNullDevice(dir: string): string | null {
  const p = path.join(dir, 'null');
  const r = spawnSync('mknod', [p, 'c', '1', '3']);
  return r.status === 0 ? p : null;
}

function fifo(dir: string): string {
  const p = path.join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [p]).status, 0);
  return p;
}

/** Reads a FIFO to its end in a child process (a write to it blocks until a reader opens it). */
function readFifo(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const cat = spawn('cat', [p]);
    let out = '';
    cat.stdout.on('data', (d) => (out += d));
    cat.on('error', reject);
    cat.on('close', () => resolve(out));
  });
}

test('a file output that is a device is written through it and stays a device', (t) => {
  const dir = scratch();
  const dev = privateNullDevice(dir);
  if (!dev) return t.diagnostic('mknod is not permitted here: the device case is covered by the FIFO ones');
  writeOutputFile(dev, 'rows\n');
  assert.ok(fs.lstatSync(dev).isCharacterDevice());
  assert.deepEqual(fs.readdirSync(dir), ['null'], 'no temporary left beside it');
});

test('a file output that is a FIFO is written through it, not replaced', async () => {
  const dir = scratch();
  const p = fifo(dir);
  const read = readFifo(p);
  await new Promise((r) => setTimeout(r, 50));
  writeOutputFile(p, 'a,b\n1,2\n');
  assert.equal(await read, 'a,b\n1,2\n');
  assert.ok(fs.lstatSync(p).isFIFO());
});

test('a file output that is a symbolic link writes its target and keeps the link', () => {
  const dir = scratch();
  const target = path.join(dir, 'real.jsonl');
  fs.writeFileSync(target, 'old\n');
  const link = path.join(dir, 'link.jsonl');
  fs.symlinkSync(target, link);
  writeOutputFile(link, 'new\n');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readFileSync(target, 'utf8'), 'new\n');
  assert.throws(() => writeOutputFile(link, 'x', false), /already exists \(use --force/);
});

test('a file output that is a directory, or lies under a file, is refused with an OutputDirError', () => {
  const dir = scratch();
  assert.throws(
    () => writeOutputFile(dir, 'x'),
    (e) => e instanceof OutputDirError && /is a directory/.test(e.message),
  );
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'mine');
  assert.throws(() => writeOutputFile(path.join(file, 'out.csv'), 'x'), OutputDirError);
  assert.throws(() => outputDir(path.join(file, 'sub')), OutputDirError);
  assert.throws(() => outputDir(path.join(file, 'a', 'b')), /f is a regular file, not a directory/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
});

test('writeFileAtomic and writeDirAtomic refuse to rename over a device, a FIFO, a link or the other kind', async () => {
  const dir = scratch();
  const nodes = [fifo(dir), privateNullDevice(dir)].filter((p): p is string => p !== null);
  const link = path.join(dir, 'link');
  fs.symlinkSync(scratch(), link);
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, 'mine');
  for (const p of [...nodes, link, file]) {
    const before = fs.lstatSync(p);
    await assert.rejects(
      writeDirAtomic(p, (tmp) => fs.writeFileSync(path.join(tmp, 'x'), 'x'), { overwrite: true }),
      OutputDirError,
      p,
    );
    const now = fs.lstatSync(p);
    assert.equal(now.mode, before.mode, `${p} is still what it was`);
    assert.equal(now.ino, before.ino);
  }
  for (const p of [...nodes, link, dir]) assert.throws(() => writeFileAtomic(p, 'x'), OutputDirError, p);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...nodes.map((p) => path.basename(p)), 'file', 'link'].sort());
});

test('a directory output named by a link is followed; one that is a file or a device is refused', () => {
  const dir = scratch();
  const real = path.join(dir, 'real');
  fs.mkdirSync(real);
  fs.symlinkSync(real, path.join(dir, 'link'));
  assert.equal(outputDir(path.join(dir, 'link')), fs.realpathSync(real));
  fs.writeFileSync(path.join(dir, 'file'), '');
  assert.throws(() => outputDir(path.join(dir, 'file')), /is a regular file, not a directory/);
  fs.symlinkSync(path.join(dir, 'nothing'), path.join(dir, 'dangling'));
  assert.throws(() => outputDir(path.join(dir, 'dangling')), /symbolic link to nothing/);
});

const RUN = { owned: RUN_DIR_ENTRIES, notEmpty: 'not empty' };

test('--force refuses a folder the project did not write, and touches nothing in it', () => {
  const proj = scratch();
  fs.writeFileSync(path.join(proj, 'exp.maporl.json'), '{}');
  fs.writeFileSync(path.join(proj, 'notes.txt'), 'mine');
  fs.mkdirSync(path.join(proj, 'src'));
  fs.writeFileSync(path.join(proj, 'events.jsonl'), '');
  assert.throws(
    () => prepareOutputDir(proj, { ...RUN, force: true }),
    (e) => e instanceof OutputDirError && /not a run directory this project wrote .*"exp.maporl.json"/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(proj).sort(), ['events.jsonl', 'exp.maporl.json', 'notes.txt', 'src']);
  assert.throws(() => prepareOutputDir(proj, { ...RUN, force: false }), /not empty/);
  // A model directory is recognised by its own files; a run's are foreign to it.
  const model = scratch();
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) fs.writeFileSync(path.join(model, f), '');
  prepareOutputDir(model, { owned: MODEL_DIR_ENTRIES, notEmpty: '', force: true });
  assert.deepEqual(fs.readdirSync(model), []);
});

test('--force on a run directory empties it, and moves its annotations beside it, saying where', () => {
  const parent = scratch();
  const run = path.join(parent, 'run');
  fs.mkdirSync(path.join(run, 'checkpoints', 'step-000001'), { recursive: true });
  fs.mkdirSync(path.join(run, 'comparisons'));
  for (const f of ['config.json', 'events.jsonl', 'transcripts.jsonl', 'summary.json']) fs.writeFileSync(path.join(run, f), '{}');
  fs.writeFileSync(path.join(run, 'annotations.jsonl'), '{"label":"persuasive"}\n');
  const said: string[] = [];
  assert.equal(prepareOutputDir(run, { ...RUN, force: true, say: (l) => said.push(l) }), run);
  assert.deepEqual(fs.readdirSync(run), []);
  const kept = fs.readdirSync(parent).filter((f) => f !== 'run');
  assert.equal(kept.length, 1);
  assert.match(kept[0], /^run\.annotations-.*\.jsonl$/);
  assert.equal(fs.readFileSync(path.join(parent, kept[0]), 'utf8'), '{"label":"persuasive"}\n');
  assert.equal(said.length, 1);
  assert.ok(said[0].includes(path.join(parent, kept[0])), said[0]);
});

test('--force on the current directory (or one holding it) is a clean refusal', () => {
  const run = scratch();
  fs.writeFileSync(path.join(run, 'events.jsonl'), '');
  fs.mkdirSync(path.join(run, 'checkpoints', 'step-000001'), { recursive: true });
  const cwd = process.cwd();
  process.chdir(path.join(run, 'checkpoints'));
  try {
    for (const given of ['.', '..'])
      assert.throws(() => prepareOutputDir(given, { ...RUN, force: true }), /current directory.*--force will not empty it/);
  } finally {
    process.chdir(cwd);
  }
  assert.deepEqual(fs.readdirSync(run).sort(), ['checkpoints', 'events.jsonl']);
});

test('--force will not remove the input a command reads (a config named config.json in --out)', () => {
  const run = scratch();
  fs.writeFileSync(path.join(run, 'config.json'), '{}');
  assert.throws(
    () => prepareOutputDir(run, { ...RUN, force: true, inputs: [path.join(run, 'config.json')] }),
    /which this command reads/,
  );
  assert.ok(fs.existsSync(path.join(run, 'config.json')));
});

test('two writers saving one directory at once: both finish; with keepExisting the second keeps the first', async () => {
  const dir = path.join(scratch(), 'key');
  const fill = (tag: string) => async (tmp: string) => {
    await new Promise((r) => setTimeout(r, 10)); // both are past the existence check before either renames
    fs.writeFileSync(path.join(tmp, 'result.json'), tag);
  };
  const [a, b] = await Promise.all([
    writeDirAtomic(dir, fill('a'), { overwrite: true, keepExisting: () => true }),
    writeDirAtomic(dir, fill('b'), { overwrite: true, keepExisting: () => true }),
  ]);
  assert.deepEqual([a, b], [true, false]);
  assert.equal(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'), 'a');
  // Without keepExisting, overwrite replaces it; neither fails with ENOTEMPTY.
  await Promise.all([writeDirAtomic(dir, fill('c'), { overwrite: true }), writeDirAtomic(dir, fill('d'), { overwrite: true })]);
  assert.equal(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'), 'd');
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['key'], 'no temporary left');
});

test('a writer that loses the race at the rename (the other put the directory in place just before) keeps the winner', async () => {
  const dir = path.join(scratch(), 'key');
  const cjsFs = createRequire(__filename)('node:fs') as typeof fs; // the object atomic.ts calls through
  const realRename = cjsFs.renameSync;
  // The other process's complete copy lands between this writer's last check and its rename.
  let raced = false;
  cjsFs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
    if (!raced && to === dir) {
      raced = true;
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'result.json'), 'winner');
    }
    return realRename(from, to);
  }) as typeof fs.renameSync;
  try {
    const installed = await writeDirAtomic(dir, (tmp) => fs.writeFileSync(path.join(tmp, 'result.json'), 'loser'), {
      overwrite: true,
      keepExisting: (d) => fs.readFileSync(path.join(d, 'result.json'), 'utf8') === 'winner',
    });
    assert.equal(installed, false);
  } finally {
    cjsFs.renameSync = realRename;
  }
  assert.ok(raced);
  assert.equal(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'), 'winner');
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['key'], 'no temporary left');
});

test("removeDeadTemps removes a killed writer's temporaries and leaves a live one's", () => {
  const dir = scratch();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadTmp = `${path.join(dir, 'recipe')}.tmp-${dead.stdout}-0123abcd`;
  fs.mkdirSync(deadTmp);
  const live = tempPathFor(path.join(dir, 'recipe'));
  fs.mkdirSync(live);
  fs.mkdirSync(path.join(dir, 'recipe'));
  // Marked by another host sharing the folder: its pid means nothing here, it is left alone.
  const remote = `${path.join(dir, 'other')}.tmp-${dead.stdout}-0123abcd`;
  fs.mkdirSync(remote);
  fs.writeFileSync(path.join(remote, '.owner'), JSON.stringify({ host: 'another-host', pid: Number(dead.stdout) }));
  assert.deepEqual(removeDeadTemps(dir), [path.basename(deadTmp)]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['recipe', path.basename(live), path.basename(remote)].sort());
  // Marked by this host with a pid that is gone: removed.
  fs.writeFileSync(path.join(remote, '.owner'), JSON.stringify({ host: os.hostname(), pid: Number(dead.stdout) }));
  assert.deepEqual(removeDeadTemps(dir), [path.basename(remote)]);
});

test("--force on an earlier demo replaces it (agents, config, run) and keeps its run's annotations", () => {
  const parent = scratch();
  const demo = path.join(parent, 'demo');
  fs.mkdirSync(path.join(demo, 'agents', 'sft'), { recursive: true });
  fs.mkdirSync(path.join(demo, 'run', 'checkpoints'), { recursive: true });
  fs.writeFileSync(path.join(demo, 'demo.maporl.json'), '{}');
  fs.writeFileSync(path.join(demo, 'run', 'annotations.jsonl'), '{"label":"stubborn"}\n');
  const said: string[] = [];
  prepareOutputDir(demo, { owned: DEMO_DIR_ENTRIES, notEmpty: '', force: true, say: (l) => said.push(l) });
  assert.deepEqual(fs.readdirSync(demo), []);
  const kept = fs.readdirSync(parent).filter((f) => f !== 'demo');
  assert.equal(fs.readFileSync(path.join(parent, kept[0]), 'utf8'), '{"label":"stubborn"}\n');
  assert.match(said[0], /annotations of the replaced demo directory are kept in/);
  // A run directory is not a demo directory, and the reverse.
  fs.writeFileSync(path.join(demo, 'events.jsonl'), '');
  assert.throws(() => prepareOutputDir(demo, { owned: DEMO_DIR_ENTRIES, notEmpty: '', force: true }), /not a demo directory/);
});
