// The Slurm executor's pure parts: array specs, task ids as squeue and sacct print them, sbatch's
// arguments from the sweep file's slurm section, and the batch script (run for real by
// test/cli/sweep.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SweepDir } from '../../../src/engine/sweep/layout';
import { arrayScript, arraySpec, expandTaskIds, sbatchArgs } from '../../../src/engine/sweep/slurm';
import { SlurmOptionsSchema } from '../../../src/protocol/sweepSchema';

test('array specs compress indices into ranges, with %N for a parallel limit', () => {
  assert.equal(arraySpec([3, 0, 1, 2, 5, 7, 8]), '0-3,5,7-8');
  assert.equal(arraySpec([4], 2), '4%2');
});

test("task ids: one task, a pending range, the array's own record", () => {
  assert.deepEqual(expandTaskIds('12_3'), ['12_3']);
  assert.deepEqual(expandTaskIds('12_[0-2,5%2]'), ['12_0', '12_1', '12_2', '12_5']);
  assert.deepEqual(expandTaskIds('12'), ['12']);
  assert.deepEqual(expandTaskIds('12.batch'), []);
});

test("sbatch gets the user's options, --requeue and the sweep directory for logs", () => {
  const sd = new SweepDir('/data/sweeps/s');
  const o = SlurmOptionsSchema.parse({
    partition: 'gpu',
    account: 'lab',
    time: '01:00:00',
    gres: 'gpu:1',
    mem: '8G',
    dependency: 'afterok:41',
    extraArgs: ['--nice=10'],
  });
  assert.deepEqual(sbatchArgs(sd, 's', [0, 1, 3], o, 2), [
    '--parsable',
    '--array=0-1,3',
    '--requeue',
    '--open-mode=append',
    '--job-name=maporl-s',
    '--chdir=/data/sweeps/s',
    '--output=/data/sweeps/s/logs/slurm-%A_%a.out',
    '--dependency=afterok:41',
    '--cpus-per-task=2',
    '--partition=gpu',
    '--account=lab',
    '--time=01:00:00',
    '--gres=gpu:1',
    '--mem=8G',
    '--nice=10',
  ]);
  const after = sbatchArgs(sd, 's', [0], o, 2, ['50', '51']);
  assert.ok(
    after.includes('--dependency=afterok:41,afterok:50:51'),
    "the user's dependency and the base-agent jobs, all required",
  );
  assert.ok(
    after.includes('--kill-on-invalid-dep=yes'),
    'a failed base-agent job cancels the array instead of leaving it pending',
  );
  assert.ok(
    sbatchArgs(sd, 's', [0], SlurmOptionsSchema.parse({ cpusPerTask: 4 }), 1).includes('--cpus-per-task=4'),
    'the file wins over runtime.threads',
  );
});

test('the batch script resumes a run with a complete checkpoint and execs the engine', () => {
  const text = arrayScript(new SweepDir("/d/it's"), ['/usr/bin/node', '/opt/maporl/cli.js']);
  assert.match(text, /^sweep='\/d\/it'\\''s'$/m, 'quoted for the shell');
  assert.match(text, /exec '\/usr\/bin\/node' '\/opt\/maporl\/cli.js' train --resume "\$run"/);
  assert.match(
    text,
    /exec '\/usr\/bin\/node' '\/opt\/maporl\/cli.js' train "\$sweep\/configs\/\$name.json" --out "\$run" --force/,
  );
  assert.match(
    text,
    /step-\[0-9\]\[0-9\]\[0-9\]\[0-9\]\[0-9\]\[0-9\]\/trainer_state\.json/,
    'temporary checkpoint directories do not count',
  );
});
