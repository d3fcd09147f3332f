// A science-suite cell of a heterogeneous team (bench/experiments/cell.ts): agents of two presets,
// one policy per agent, trained and evaluated as a 3 x 3 team and as agent 1 alone. Random-weight
// models and a one-iteration, two-question training keep it to seconds; what is checked is the wiring
// (each agent its own model and policy), not learning.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { cellConfig, runCell, verifierPicks } from '../../bench/experiments/cell';
import { rowById, type Row } from '../../bench/experiments/rows';
import { createPresetModel, saveModel } from '../../src/engine/nn/model';
import { readHfConfig } from '../../src/engine/io/hfConfig';
import type { Discussion } from '../../src/engine/maporl/discussion/discussion';

const SMALL_RUN = {
  'training.questionsPerIteration': 2,
  'training.samplesPerQuestion': 2,
  'training.ppo.minibatchSize': 8,
  'generation.maxNewTokens': 6,
};

async function presetDir(root: string, preset: string): Promise<string> {
  const m = await createPresetModel(preset, 7);
  const dir = path.join(root, preset);
  await saveModel(dir, m, { tokenizerFiles: m.tokenizerFiles });
  return dir;
}

test('a heterogeneous cell trains one policy per agent from each agent’s own preset and evaluates the team', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-hetero-cell-'));
  try {
    const tiny = await presetDir(root, 'tiny'),
      small = await presetDir(root, 'small');
    assert.notEqual(readHfConfig(tiny).hiddenSize, readHfConfig(small).hiddenSize);
    const config = cellConfig(rowById('hetero-maporl'), 0, [tiny, small, tiny], 1);
    assert.deepEqual(config.agents.models, [tiny, small, tiny]);
    assert.equal(config.agents.policySharing, 'per-agent');
    assert.equal(cellConfig(rowById('maporl'), 0, [tiny], 1).agents.policySharing, 'shared');
    const lines: string[] = [];
    const run = (row: Row) =>
      runCell({
        row,
        seed: 0,
        modelDirs: [tiny, small, tiny],
        evalQuestions: 3,
        scale: 1 / 60,
        scratch: root,
        say: (l) => lines.push(l),
      });
    const untrained = await run(rowById('hetero-off-the-shelf'));
    const trained = await run({ ...rowById('hetero-maporl'), train: SMALL_RUN });
    for (const cell of [untrained, trained]) {
      assert.equal(cell.team.turns.length, 3);
      assert.deepEqual(
        cell.team.credit.map((c) => c.length),
        [3, 3, 3],
      );
      assert.equal(cell.alone.turns.length, 1);
    }
    assert.equal(trained.trainReward.length, 1, 'one training iteration');
    assert.ok(lines.some((l) => /hetero-maporl seed 0: training 1 iterations/.test(l)));
    // The run directory is scratch: gone once the cell is measured.
    assert.ok(!fs.existsSync(path.join(root, 'hetero-maporl-0')));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the full-text rows: later prompts show whole responses, and text-maporl trains the long recipe on fresh questions', () => {
  const dir = '/nonexistent/model'; // cellConfig only names the models
  const text = cellConfig(rowById('text-maporl'), 1, [dir], 1);
  assert.equal(text.discussion.show, 'text');
  assert.equal(text.discussion.templates.separator, ' | ', 'whole responses need a separator that is not in them');
  assert.equal(text.training.iterations, 160);
  assert.equal(text.task.nTrain, 50000);
  assert.equal(cellConfig(rowById('text-maporl'), 1, [dir], 0.5).training.iterations, 80, 'the long recipe scales');
  assert.equal(cellConfig(rowById('text-off-the-shelf'), 1, [dir], 1).discussion.show, 'text');
  const suite = cellConfig(rowById('maporl'), 1, [dir], 1);
  assert.equal(suite.discussion.show, 'answer');
  assert.equal(suite.training.iterations, 60);
  assert.equal(cellConfig(rowById('single-agent'), 1, [dir], 1).training.questionsPerIteration, 96, 'a row override wins');
});

test('a control cell: pairsum questions, 2 agents where the row says so, equal-compute voting, who was right per question', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-control-cell-'));
  try {
    const tiny = await presetDir(root, 'tiny');
    const two = cellConfig(rowById('pairsum-2x3-maporl'), 0, [tiny], 1);
    assert.equal(two.agents.count, 2);
    assert.equal(two.task.type, 'pairsum');
    assert.equal(cellConfig(rowById('pairsum-single-agent'), 0, [tiny], 1).training.mode, 'single-agent');
    const cell = await runCell({
      row: rowById('pairsum-2x3-off-the-shelf'),
      seed: 0,
      modelDirs: [tiny],
      evalQuestions: 4,
      scale: 1,
      scratch: root,
      say: () => undefined,
    });
    assert.equal(cell.team.agents, 2);
    assert.equal(cell.voting?.agents, 6, 'as many samples as the team speaks: 2 agents x 3 turns');
    assert.deepEqual(
      cell.team.correct?.map((row) => row.length),
      [4, 4, 4],
    );
    assert.ok(
      cell.team.correct!.flat().every((bits) => bits >= 0 && bits < 4),
      'two agents: two bits',
    );
    assert.ok(cell.team.adoption && cell.team.turns.every((t) => t.oracle !== undefined));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a feedback row trains with a learned verifier whose scores its prompts show; the verifier’s pick splits ties', () => {
  const config = cellConfig(rowById('pairsum-maporl-feedback'), 0, ['/base'], 1);
  assert.equal(config.discussion.feedVerifierScores, true);
  assert.equal(config.verifier.type, 'learned');
  assert.equal(config.verifier.model, '/base', 'the verifier starts from the base agents, as the control measured it');
  const response = (verifier: number, correct: boolean) => ({ verifier, correct }) as Discussion['turns'][number][number];
  const discussions = [
    [[response(0.9, true), response(0.2, false), response(0.5, false)]],
    [[response(0.7, false), response(0.7, true), response(0.1, true)]],
  ].map((turns) => ({ turns }) as Discussion);
  assert.deepEqual(verifierPicks(discussions, 1), [[1, 0.5]]);
});
