// The sweep's base-agent stage can be stopped: `sweep cancel` during it (and a signal to the sweep)
// stops its `prepare-agents` child and starts no run; it no longer says "nothing was running" and
// then trains every run. The engine's commands are a stand-in script here (`cli`): prepare-agents
// waits to be killed, train leaves a mark.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SweepDir } from '../../../src/engine/sweep/layout';
import { cancelSweep, runSweep, type SweepOutcome } from '../../../src/engine/sweep/sweep';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-sweep-base-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
process.env.MAPORL_CACHE_DIR = path.join(root, 'cache');

const FAKE = path.join(root, 'fake-maporl.cjs');
fs.writeFileSync(
  FAKE,
  `const fs = require('fs'), path = require('path');
const [cmd, ...rest] = process.argv.slice(2);
const marks = process.env.FAKE_MARKS;
if (cmd === 'prepare-agents') {
  fs.writeFileSync(path.join(marks, 'prepare-' + process.pid), '');
  setTimeout(() => process.exit(0), 30000); // never an orphan for long
} else fs.writeFileSync(path.join(marks, 'train-' + process.pid), rest.join(' '));
`,
);

function sweepOf(name: string): { file: string; dir: string; marks: string } {
  const marks = path.join(root, `${name}-marks`);
  fs.mkdirSync(marks);
  fs.writeFileSync(
    path.join(root, `${name}.maporl.json`),
    JSON.stringify({
      name,
      agents: { models: ['base-agents'] },
      baseAgents: { steps: 6, seed: name.length * 1000 + 7 },
      verifier: { type: 'ground-truth' },
    }),
  );
  const file = path.join(root, `${name}.sweep.json`);
  fs.writeFileSync(file, JSON.stringify({ base: `${name}.maporl.json`, grid: { seed: [0, 1] } }));
  return { file, dir: path.join(root, `${name}-out`), marks };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the sweep and waits until its prepare-agents child runs; returns the child's pid. */
async function startedSweep(s: ReturnType<typeof sweepOf>): Promise<{ done: Promise<SweepOutcome>; child: number }> {
  process.env.FAKE_MARKS = s.marks;
  const done = runSweep({ file: s.file, out: s.dir, cli: [process.execPath, FAKE] });
  for (let i = 0; i < 200; i++) {
    const mark = fs.readdirSync(s.marks).find((f) => f.startsWith('prepare-'));
    if (mark) return { done, child: Number(mark.slice('prepare-'.length)) };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the base-agent stage never started');
}

/** The sweep's outcome, or (when the stop did not reach it) the child killed here and a failure. */
async function settled(done: Promise<SweepOutcome>, child: number): Promise<SweepOutcome> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000));
  const r = await Promise.race([done, timeout]);
  if (r === 'timeout') {
    process.kill(child, 'SIGKILL');
    await done.catch(() => undefined);
    assert.fail('the sweep went on waiting for its base-agent stage');
  }
  return r;
}

test('sweep cancel during the base-agent stage stops its child and starts no run', async () => {
  const s = sweepOf('cancel');
  const { done, child } = await startedSweep(s);
  const signalled = cancelSweep(s.dir);
  assert.match(signalled.join(' '), new RegExp(`pid ${process.pid} \\(the local scheduler\\)`));
  await settled(done, child);
  for (let i = 0; i < 40 && alive(child); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!alive(child), 'the prepare-agents child is gone');
  assert.deepEqual(
    fs.readdirSync(s.marks).filter((f) => f.startsWith('train-')),
    [],
    'no run trained',
  );
  assert.ok(!new SweepDir(s.dir).readJobs().some((j) => j.type === 'local-start'));
  assert.ok(!fs.existsSync(path.join(s.dir, '.lock')), 'the sweep lock is released');
});

test('SIGINT to the sweep during the base-agent stage reaches its child; the sweep returns', async () => {
  const s = sweepOf('signal');
  const { done, child } = await startedSweep(s);
  process.kill(process.pid, 'SIGINT');
  await settled(done, child);
  for (let i = 0; i < 40 && alive(child); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!alive(child));
  assert.deepEqual(
    fs.readdirSync(s.marks).filter((f) => f.startsWith('train-')),
    [],
  );
});
