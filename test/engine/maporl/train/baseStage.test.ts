// The base-agent stage (config `baseAgents`, `maporl prepare-agents`): the cache key follows every
// setting that shapes the weights, a prepared model is reused instead of fine-tuned again, the
// config refuses half-set-up stages, and a run with the stage trains on the prepared agents.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { recipeDir, recipeOf } from '../../../../src/engine/maporl/base/baseRecipe';
import { recipeSftRecords } from '../../../../src/engine/maporl/train/baseAgents';
import { ensurePreparedBase, withBaseModel } from '../../../../src/engine/maporl/train/baseStage';
import { parseConfig } from '../../../../src/engine/maporl/config';
import { MAPORL_ENV } from '../../../../src/protocol/environment';
import { loadModel } from '../../../../src/engine/nn/model';
import { maporl } from '../../../cli/run';

const staged = (extra: Record<string, unknown> = {}) =>
  parseConfig({ agents: { models: ['base-agents'] }, baseAgents: { steps: 3, examples: 24 }, ...extra });

test('the cache folder changes with the recipe, the task and the prompts, and not with anything else', () => {
  const a = recipeOf(staged())!;
  assert.equal(recipeDir(a, '/c'), recipeDir(recipeOf(staged({ seed: 9, training: { iterations: 7 } }))!, '/c'));
  assert.notEqual(recipeDir(a, '/c'), recipeDir(recipeOf(staged({ baseAgents: { steps: 4, examples: 24 } }))!, '/c'));
  assert.notEqual(recipeDir(a, '/c'), recipeDir(recipeOf(staged({ task: { type: 'nli' } }))!, '/c'));
  assert.notEqual(
    recipeDir(a, '/c'),
    recipeDir(recipeOf(staged({ discussion: { templates: { first: 'Q: {question}\nA:' } } }))!, '/c'),
  );
  assert.equal(recipeOf(parseConfig({})), null);
});

test("a run that shows verifier scores gets base agents SFT'd with scores in the later-turn prompts", () => {
  const plain = recipeOf(staged())!;
  const scored = recipeOf(staged({ discussion: { feedVerifierScores: true } }))!;
  assert.equal(scored.prompt.feedVerifierScores, true);
  assert.notEqual(recipeDir(scored, '/c'), recipeDir(plain, '/c'));
  const later = (r: typeof plain) => recipeSftRecords(r, 'train', 40).filter((x) => x.prompt.startsWith('You:'));
  assert.ok(
    later(scored).length > 0 && later(scored).every((x) => /\(\d\.\d\d\)/.test(x.prompt)),
    'every shown response has a score',
  );
  assert.ok(later(plain).every((x) => !/\(\d\.\d\d\)/.test(x.prompt)));
});

test('alsoTasks: mixed-task base agents have their own cache key, and their SFT data mixes the tasks evenly', () => {
  const one = recipeDir(recipeOf(staged())!, '/c');
  // No other task, or only the experiment's own: the one-task recipe and its cache key.
  assert.equal(recipeDir(recipeOf(staged({ baseAgents: { steps: 3, examples: 24, alsoTasks: [] } }))!, '/c'), one);
  assert.equal(recipeDir(recipeOf(staged({ baseAgents: { steps: 3, examples: 24, alsoTasks: ['arith'] } }))!, '/c'), one);
  const mixed = recipeOf(staged({ baseAgents: { steps: 3, examples: 24, alsoTasks: ['nli', 'nli'] } }))!;
  assert.deepEqual(mixed.alsoTasks, ['nli']);
  assert.notEqual(recipeDir(mixed, '/c'), one);
  const records = recipeSftRecords(mixed, 'train', 11);
  const nli = records.filter((r) => r.prompt.includes('Premise:')).length;
  assert.deepEqual([records.length - nli, nli], [6, 5], 'the first task gets the remainder');
  const firstHalf = records.slice(0, 6).filter((r) => r.prompt.includes('Premise:')).length;
  assert.ok(firstHalf > 0 && firstHalf < 6, 'shuffled together, not one task after the other');
  assert.throws(() => parseConfig({ ...staged(), baseAgents: { alsoTasks: ['gsm8k'] } }), /baseAgents\.alsoTasks\[0\]/);
});

test('a half-set-up stage is a config error naming the JSON path', () => {
  assert.throws(
    () => parseConfig({ agents: { models: ['base-agents'] } }),
    /agents\.models: "base-agents" names the experiment's SFT'd base agents/,
  );
  assert.throws(() => parseConfig({ verifier: { model: 'base-agents' } }), /verifier\.model: "base-agents"/);
  assert.throws(() => parseConfig({ baseAgents: {} }), /baseAgents: base agents are prepared but no model uses them/);
  assert.throws(
    () => parseConfig({ ...staged(), task: { type: 'gsm8k', trainFile: 'a', testFile: 'b' } }),
    /baseAgents: base agents are prepared from the built-in tasks/,
  );
  const c = withBaseModel(staged({ verifier: { model: 'base-agents' } }), '/m');
  assert.deepEqual([c.agents.models, c.verifier.model], [['/m'], '/m']);
});

test('a prepared model is reused, and preparing leaves no temporary folder', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-cache-'));
  try {
    const recipe = recipeOf(staged())!;
    let steps = 0;
    const first = await ensurePreparedBase(recipe, () => steps++, root);
    assert.equal(first.fresh, true);
    assert.equal(steps, 3);
    const model = await loadModel(first.modelDir);
    assert.ok(model.config.hiddenSize > 0);
    const again = await ensurePreparedBase(recipe, () => steps++, root);
    assert.deepEqual(again, { modelDir: first.modelDir, fresh: false });
    assert.equal(steps, 3);
    assert.deepEqual(
      fs.readdirSync(path.join(root, 'base-agents')).filter((n) => n.includes('.tmp-')),
      [],
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('maporl train with a baseAgents section fine-tunes first, then trains; prepare-agents reuses the cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-stage-'));
  const saved = process.env[MAPORL_ENV.cacheDir];
  process.env[MAPORL_ENV.cacheDir] = path.join(dir, 'cache');
  try {
    const config = {
      seed: 2,
      task: { type: 'arith', nTrain: 32, nTest: 4 },
      agents: { count: 2, models: ['base-agents'] },
      baseAgents: { steps: 3, examples: 24 },
      discussion: { turns: 2 },
      verifier: { type: 'ground-truth' },
      generation: { maxNewTokens: 8, temperature: 0.7 },
      training: { iterations: 1, questionsPerIteration: 2, samplesPerQuestion: 2, ppo: { minibatchSize: 8, epochs: 1 } },
      eval: { questions: 2, every: 0 },
      checkpoint: { every: 0 },
    };
    const file = path.join(dir, 'x.maporl.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const r = maporl(['train', file, '--out', path.join(dir, 'run')]);
    assert.equal(r.code, 0, r.stderr);
    const logs = fs
      .readFileSync(path.join(dir, 'run', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'log')
      .map((e) => e.message as string);
    assert.ok(
      logs.some((m) => /^base agents: prepared by SFT in \d+ s/.test(m)),
      logs.join('\n'),
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'run', 'config.json'), 'utf8')).agents.models[0], 'base-agents');

    const p = maporl(['prepare-agents', '--config', file, '--out', path.join(dir, 'agents'), '--json']);
    assert.equal(p.code, 0, p.stderr);
    const out = JSON.parse(p.stdout);
    assert.equal(out.fresh, false);
    assert.ok(
      fs.existsSync(path.join(dir, 'agents', 'config.json')) && fs.existsSync(path.join(dir, 'agents', 'model.safetensors')),
    );
    assert.equal(maporl(['prepare-agents', '--config', file, '--steps', '5']).code, 2);
    assert.equal(maporl(['prepare-agents', '--config', file, '--out', path.join(dir, 'agents')]).code, 2); // exists, no --force
  } finally {
    if (saved === undefined) delete process.env[MAPORL_ENV.cacheDir];
    else process.env[MAPORL_ENV.cacheDir] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
