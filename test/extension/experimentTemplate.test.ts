// New Experiment's files are accepted by the engine: the config by its schema and cross-field checks,
// the datasets by its GSM8K loader, with the gold answers the problems state.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfigPaths } from '../../src/engine/maporl/config';
import { loadJsonlTask } from '../../src/engine/tasks/loaders';
import { checkExperimentName, experimentTemplate, wordProblem } from '../../src/extension/templates/experimentTemplate';

test('the scaffolded config and datasets load in the engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-template-'));
  const files = experimentTemplate('tiny-demo');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, files.configPath), files.config);
  writeFileSync(join(dir, files.trainPath), files.train);
  writeFileSync(join(dir, files.testPath), files.test);
  const config = resolveConfigPaths(loadConfig(join(dir, files.configPath)), join(dir, files.configPath));
  assert.equal(config.name, 'tiny-demo');
  assert.equal(config.task.type, 'gsm8k');
  const train = loadJsonlTask('gsm8k', config.task.trainFile!);
  const testSet = loadJsonlTask('gsm8k', config.task.testFile!);
  assert.equal(train.records.length, config.task.nTrain);
  assert.equal(testSet.records.length, config.task.nTest);
  assert.equal(train.records[0].source.line, 1);
});

test('each problem states its gold answer consistently', () => {
  for (let k = 0; k < 40; k++) {
    const p = wordProblem(k);
    const [, a, b, c] = /has (\d+) \w+, gets (\d+) more and then gives (\d+) away/.exec(p.question)!.map(Number);
    assert.equal(Number(p.answer.split('####')[1]), a + b - c);
    assert.ok(a + b - c > 0);
  }
});

test('experiment names must be safe file names', () => {
  assert.equal(checkExperimentName('gsm8k-small_2'), null);
  for (const bad of ['', ' ', '../x', 'a/b', '.hidden', 'x'.repeat(65)]) assert.notEqual(checkExperimentName(bad), null, bad);
});
