// What the comparison panel may read: sides are checkpoints of runs inside the runs folders (a run
// stands for its latest checkpoint; `..`, absolute paths and symbolic links out are refused), files
// are read through the path guard, and saved comparisons are found for exactly these sides, their
// transcripts files kept to bare names inside the comparison's folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  comparisonDir,
  discussionAt,
  readSavedResult,
  savedResults,
  sideTranscriptsFile,
} from '../../src/extension/compare/savedComparisons';
import { loadPanelData } from '../../src/extension/compare/panelData';
import { selectedDirs } from '../../src/extension/commands/selection';
import { readGuarded, sideOf, sidesOf } from '../../src/extension/compare/sides';
import { fakeComparison, writeFakeComparison } from './fixtures/fakeComparison';
import { writeFakeRun } from './fixtures/fakeRun';
import { BUILTIN_TASKS } from '../../src/protocol/choices';

function layout() {
  const root = mkdtempSync(join(tmpdir(), 'maporl-compare-'));
  const runs = join(root, 'ws', 'runs');
  const a = writeFakeRun(join(runs, 'a'), { steps: 10, checkpointEvery: 5 });
  const b = writeFakeRun(join(runs, 'b'), { steps: 4, checkpointEvery: 2 });
  const empty = writeFakeRun(join(runs, 'empty'), { steps: 2 });
  const outside = writeFakeRun(join(root, 'elsewhere', 'run'), { steps: 2, checkpointEvery: 1 });
  symlinkSync(outside, join(runs, 'link'));
  writeFileSync(join(root, 'secret.txt'), 'x');
  return { root, runs, a, b, empty, outside };
}

test('sideOf: checkpoints and runs (their latest checkpoint) inside a runs folder', () => {
  const { runs, a, b } = layout();
  const ck = sideOf(join(a, 'checkpoints', 'step-000005'), [runs]);
  assert.deepEqual(ck, {
    ok: true,
    side: { path: join(a, 'checkpoints', 'step-000005'), runDir: a, run: 'a', step: 5, label: 'a · step 5' },
  });
  const run = sideOf(b, [runs]);
  assert.equal(run.ok && run.side.path, join(b, 'checkpoints', 'step-000004'));
  assert.equal(run.ok && run.side.step, 4);
});

test('sideOf refuses what is not a checkpoint of a run inside a runs folder', () => {
  const { root, runs, a, empty, outside } = layout();
  const reason = (dir: string) => {
    const r = sideOf(dir, [runs]);
    assert.equal(r.ok, false, dir);
    return r.ok ? '' : r.reason;
  };
  assert.match(reason(join(outside, 'checkpoints', 'step-000001')), /not inside a runs folder/);
  assert.match(reason(join(runs, '..', '..', 'elsewhere', 'run')), /not inside a runs folder/);
  assert.match(reason(join(runs, 'link')), /not inside a runs folder/, 'a symbolic link out of the runs folder');
  assert.match(reason(runs), /not inside a runs folder/, 'the runs folder itself');
  assert.match(reason(join(a, 'checkpoints')), /neither a run directory nor one of its checkpoints/);
  assert.match(reason(empty), /no complete checkpoint yet/);
  assert.match(reason(join(root, 'missing')), /no such directory/);
});

test('sidesOf keeps the order, drops duplicates (a run and its latest checkpoint) and lists refusals', () => {
  const { runs, a, b, outside } = layout();
  const { sides, refused } = sidesOf([b, join(a, 'checkpoints', 'step-000010'), a, outside], [runs]);
  assert.deepEqual(
    sides.map((s) => s.label),
    ['b · step 4', 'a · step 10'],
  );
  assert.equal(refused.length, 1);
});

test('readGuarded reads files inside the runs folders only', () => {
  const { root, runs, a } = layout();
  assert.match(readGuarded(join(a, 'config.json'), [runs]) ?? '', /"name"/);
  assert.equal(readGuarded(join(root, 'secret.txt'), [runs]), null);
  assert.equal(readGuarded(join(runs, 'link', 'config.json'), [runs]), null, 'through a symbolic link out');
  assert.equal(readGuarded(join(a, '..', '..', '..', 'secret.txt'), [runs]), null);
});

test('saved comparisons: exactly these sides, newest first; their discussions by line', () => {
  const { runs, a, b } = layout();
  const sides = sidesOf([join(a, 'checkpoints', 'step-000005'), b], [runs]).sides;
  const old = writeFakeComparison(fakeComparison(sides, { key: 'aa01', createdAt: '2026-01-01T00:00:00.000Z' }));
  writeFakeComparison(fakeComparison(sides, { key: 'bb02', createdAt: '2026-02-01T00:00:00.000Z', seed: 3 }));
  writeFakeComparison(fakeComparison([...sides].reverse(), { key: 'cc03' })); // other order: under b, another comparison
  writeFakeComparison(fakeComparison([sides[0], { ...sides[1], path: join(b, 'checkpoints', 'step-000002') }], { key: 'dd04' }));
  mkdirSync(join(a, 'comparisons', '.tmp-ee05'));
  assert.deepEqual(
    savedResults(sides, [runs]).map((s) => s.result.key),
    ['bb02', 'aa01'],
  );
  assert.equal(comparisonDir(sides, 'aa01'), old);
  const result = readSavedResult(old, sides, [runs])!;
  const records = discussionAt(old, result, 3, [runs]);
  assert.deepEqual(
    records.map((r) => r?.id),
    ['q2', 'q2'],
  );
  assert.deepEqual(discussionAt(old, result, 99, [runs]), [null, null]);
  assert.equal(readSavedResult(old, sides, [join(runs, 'b')]), null, 'a comparison outside the allowed folders is not read');
});

test('a transcripts name from result.json that is not a bare file name is refused', () => {
  const { runs, a, b } = layout();
  const sides = sidesOf([a, b], [runs]).sides;
  const result = fakeComparison(sides, { key: 'ff06' });
  const dir = writeFakeComparison(result);
  assert.equal(
    sideTranscriptsFile(
      dir,
      { ...result, sides: [{ ...result.sides[0], transcripts: '../../b/config.json' }, result.sides[1]] },
      0,
    ),
    null,
  );
  assert.equal(sideTranscriptsFile(dir, result, 5), null);
  assert.equal(sideTranscriptsFile(dir, result, 1), join(dir, 'side-1.transcripts.jsonl'));
});

test("loadPanelData: config differences, one curve per run with its sides' steps, sources, the newest saved comparison", () => {
  const { runs, a, b } = layout();
  const sides = sidesOf([join(a, 'checkpoints', 'step-000005'), a, b], [runs]).sides;
  writeFakeComparison(fakeComparison(sides, { key: 'ab12', questions: 4, seed: 9 }));
  const d = loadPanelData(sides, [runs]);
  assert.deepEqual(
    d.configDiff.map((r) => r.key),
    ['training.iterations'],
  );
  assert.deepEqual(
    d.curves.map((c) => [c.run, c.sideSteps, c.train.length]),
    [
      ['a', [5, 10], 10],
      ['b', [4], 4],
    ],
  );
  assert.deepEqual(
    d.sources.map((s) => s.id),
    BUILTIN_TASKS.map((t) => `task:${t}`),
  );
  assert.deepEqual(
    d.saved.map((s) => s.key),
    ['ab12'],
  );
  assert.deepEqual(d.defaults, { source: 'task:arith', questions: 4, seed: 9 }, 'the form starts from the comparison shown');
  assert.deepEqual(d.problems, []);
});

test('selectedDirs: the Runs view selection (runs and checkpoints), else the node the menu was opened on', () => {
  const run = { dir: '/w/runs/a', name: 'a' };
  const checkpoint = {
    kind: 'checkpoint',
    run,
    checkpoint: { dir: '/w/runs/a/checkpoints/step-000005', name: 'step-000005', step: 5 },
  };
  const runNode = { kind: 'run', run };
  const file = { kind: 'file', run, label: 'Config', path: '/w/runs/a/config.json', icon: 'x' };
  assert.deepEqual(selectedDirs(checkpoint, [runNode, checkpoint, file]), ['/w/runs/a', '/w/runs/a/checkpoints/step-000005']);
  assert.deepEqual(selectedDirs(checkpoint, undefined), ['/w/runs/a/checkpoints/step-000005']);
  assert.deepEqual(selectedDirs(undefined, undefined), [], 'the palette');
  assert.deepEqual(selectedDirs('/etc', ['/etc']), [], 'only tree nodes');
});
