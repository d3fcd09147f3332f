// One writer per run directory, through the CLI: a lock left by a SIGKILLed run does not block its
// resume; while that resume runs, a second `train --resume`, an `sft` and a `train --force` on the
// same directory exit 2 with one line naming its pid; the run is written once, and no lock stays
// behind when a run ends, well or not.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { lines, writeTinyConfig } from '../helpers/tinyRun';
import { untilWhileRunning } from '../helpers/waitFor';
import { assertBadInput, maporl, maporlChild } from './run';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-cli-lock-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const lockOf = (run: string) => JSON.parse(fs.readFileSync(path.join(run, '.lock'), 'utf8')) as { pid: number };

test("two writers on one run: the second exits 2 naming the first's pid; a dead run's lock does not block", async () => {
  const config = writeTinyConfig(root, { iterations: 12, checkpointEvery: 1 });
  const run = path.join(root, 'run');

  const killed = maporlChild(['train', config, '--out', run]);
  await untilWhileRunning(
    killed.child,
    () => fs.existsSync(path.join(run, 'checkpoints', 'step-000001')),
    'its first checkpoint',
  );
  killed.child.kill('SIGKILL');
  await killed.done;
  assert.equal(lockOf(run).pid, killed.child.pid, 'a SIGKILLed run leaves its lock');

  const first = maporlChild(['train', '--resume', run]);
  await untilWhileRunning(first.child, () => lockOf(run).pid === first.child.pid, 'taking the lock');
  const holder = new RegExp(`another process is writing this run directory \\(pid ${first.child.pid} `);
  assertBadInput(maporl(['train', '--resume', run]), holder, 'a second resume');
  assertBadInput(
    maporl(['sft', '--model', path.join(root, 'm'), '--data', config, '--out', run, '--resume']),
    holder,
    'sft on the run',
  );
  assertBadInput(maporl(['train', config, '--out', run, '--force']), holder, 'a fresh run with --force');
  assert.equal(first.child.exitCode, null, 'the first resume was still running');

  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^warning: .*pid ${killed.child.pid}, which held \\.lock since .*, is no longer running; taking the lock over$`,
      'm',
    ),
  );
  const events = lines(path.join(run, 'events.jsonl'));
  const trained = events.filter((e) => e.type === 'metrics' && e.split === 'train').map((e) => e.step);
  assert.deepEqual(
    trained,
    Array.from({ length: 12 }, (_, i) => i + 1),
    'each iteration once, in order',
  );
  assert.equal(events.filter((e) => e.type === 'status' && e.status === 'finished').length, 1);
  assert.ok(!fs.existsSync(path.join(run, '.lock')), 'released at the end');
});

test('a run that fails leaves no lock', () => {
  const empty = path.join(root, 'empty.jsonl');
  fs.writeFileSync(empty, '');
  const config = path.join(root, 'fails.maporl.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      name: 'fails',
      task: { type: 'gsm8k', testFile: empty },
      training: { mode: 'none' },
      verifier: { type: 'ground-truth' },
    }),
  );
  const run = path.join(root, 'fails');
  const r = maporl(['train', config, '--out', run]);
  assert.notEqual(r.code, 0);
  assert.ok(
    lines(path.join(run, 'events.jsonl')).some((e) => e.status === 'failed'),
    r.stderr,
  );
  assert.ok(!fs.existsSync(path.join(run, '.lock')));
});
