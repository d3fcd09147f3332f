// `npm run experiments -- --jobs 2`: cells run in two child processes at once, one ONNX Runtime thread
// each, and the parent writes every cell's file and the report, as one process running them in turn
// would. Random-weight `tiny` agents stand in for the SFT'd ones (the cache stamp says they are the
// demo's recipe), and the cells are one training iteration, four held-out questions: seconds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { CellResult } from '../../bench/experiments/cell';
import { DEMO_RECIPE } from '../../src/engine/maporl/train/baseAgents';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';

const SCRIPT = path.resolve(__dirname, '../../dist/experiments.js');

test('--jobs 2 runs the missing cells in two children and reports them all; done cells are kept', async () => {
  assert.ok(fs.existsSync(SCRIPT), `${SCRIPT} is missing: npm run build first`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-jobs-'));
  try {
    const agents = path.join(root, 'agents');
    const m = await createPresetModel('tiny', 11);
    await saveModel(path.join(agents, 'sft', 'model'), m, { tokenizerFiles: m.tokenizerFiles });
    fs.writeFileSync(path.join(agents, 'recipe.json'), JSON.stringify({ ...DEMO_RECIPE, steps: DEMO_RECIPE.steps }));
    const cwd = path.join(root, 'project');
    fs.mkdirSync(path.join(cwd, 'docs'), { recursive: true });
    const run = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          SCRIPT,
          '--only',
          'off-the-shelf,maporl',
          '--seeds',
          '0,1',
          '--scale',
          String(1 / 60),
          '--eval-questions',
          '4',
          '--agents',
          agents,
          ...extra,
        ],
        { cwd, encoding: 'utf8', env: { ...process.env, MAPORL_THREADS: undefined } },
      );
    const first = run('--jobs', '2');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /4 cells, 2 at a time, 1 ONNX Runtime thread\(s\) each/);
    assert.doesNotMatch(first.stderr, /preparing/, 'the cached base agents are used, not remade');
    const cells = ['off-the-shelf', 'maporl'].flatMap((row) =>
      [0, 1].map(
        (seed) =>
          JSON.parse(fs.readFileSync(path.join(cwd, 'docs', 'experiments', row, `seed-${seed}.json`), 'utf8')) as CellResult,
      ),
    );
    for (const c of cells) {
      assert.equal(c.team.turns.length, 3);
      assert.equal(c.setup.evalQuestions, 4);
    }
    assert.deepEqual(
      cells.map((c) => c.trainReward.length),
      [0, 0, 1, 1],
    );
    const report = fs.readFileSync(path.join(cwd, 'docs', 'results.md'), 'utf8');
    assert.match(report, /Cells: 4 /);
    // Nothing left to do: a second run starts no child and changes no cell.
    const before = cells.map((c) => c.finishedAt);
    const again = run('--jobs', '2');
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /at a time/);
    const after = ['off-the-shelf', 'maporl'].flatMap((row) =>
      [0, 1].map(
        (seed) =>
          (JSON.parse(fs.readFileSync(path.join(cwd, 'docs', 'experiments', row, `seed-${seed}.json`), 'utf8')) as CellResult)
            .finishedAt,
      ),
    );
    assert.deepEqual(after, before);
    assert.equal(run('--jobs', '0').status, 1, '--jobs 0 is refused');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
