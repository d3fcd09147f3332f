// Loading a sweep file: every run's config validated as `maporl train` would, errors as one line
// naming the sweep file and the JSON path of the value at fault; the plan keeps indices stable.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../../src/engine/maporl/config';
import { loadSweep, mergePlan, writePlan } from '../../../src/engine/sweep/plan';
import { sweepJsonSchema } from '../../../src/protocol/sweepSchema';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-sweep-plan-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
fs.mkdirSync(path.join(root, 'exp', 'models', 'agent'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'exp', 'base.maporl.json'),
  JSON.stringify({ task: { nTest: 8 }, eval: { questions: 4 }, agents: { models: ['models/agent'] } }),
);

let n = 0;
function sweepFile(body: unknown, text?: string): string {
  const file = path.join(root, 'exp', `s${n++}.sweep.json`);
  fs.writeFileSync(file, text ?? JSON.stringify(body));
  return file;
}
function errorOf(file: string): string {
  try {
    loadSweep(file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

test('runs get resolved configs, names from their values and the seed; model directories become absolute', () => {
  const s = loadSweep(
    sweepFile({ name: 'lr', base: 'base.maporl.json', grid: { seed: [0, 1], 'training.ppo.lr': [0.001, 0.0003] } }),
  );
  assert.equal(s.name, 'lr');
  assert.deepEqual(
    s.runs.map((r) => r.name),
    ['lr-0.001__seed-0', 'lr-0.0003__seed-0', 'lr-0.001__seed-1', 'lr-0.0003__seed-1'],
  );
  assert.deepEqual(
    s.runs.map((r) => [r.seed, r.config.seed, r.config.training.ppo.lr]),
    [
      [0, 0, 0.001],
      [0, 0, 0.0003],
      [1, 1, 0.001],
      [1, 1, 0.0003],
    ],
  );
  assert.equal(s.runs[0].config.eval.questions, 4, 'the base config is under the overrides');
  assert.equal(s.runs[0].config.agents.models[0], path.join(root, 'exp', 'models', 'agent'));
  assert.equal(s.runs[0].config.verifier.model, 'tiny', 'a preset name stays a name');
  assert.equal(loadSweep(sweepFile({ base: 'base.maporl.json' })).runs[0].name, 'base__seed-0', 'no grid: the base alone');
});

test('a bad value: <sweep file>: <its JSON path>: <config path>: <message>', () => {
  const file = sweepFile({ base: 'base.maporl.json', grid: { seed: [0], 'training.ppo.lr': [0.001, -1] } });
  assert.equal(errorOf(file), `${file}: grid["training.ppo.lr"][1]: training.ppo.lr: Too small: expected number to be >0`);
  const f2 = sweepFile({ base: 'base.maporl.json', list: [{}, { 'reward.alpha': [1, 2] }] });
  assert.match(errorOf(f2), new RegExp(`^${f2}: list\\[1\\]\\["reward.alpha"\\]: reward.alpha: Too small`));
  const f3 = sweepFile({ base: 'base.maporl.json', grid: { 'trainng.iterations': [1] } });
  assert.equal(errorOf(f3), `${f3}: grid["trainng.iterations"][0]: trainng: unknown key`);
  const f4 = sweepFile({ base: 'base.maporl.json', grid: { 'task.nTest': [2] } });
  assert.match(
    errorOf(f4),
    new RegExp(
      `^${f4}: base: base.maporl.json: eval.questions: evaluates 4 questions but task.nTest is 2 \\(in run nTest-2__seed-0\\)$`,
    ),
    'a cross-field problem names the run',
  );
});

test('problems of the sweep file itself name their JSON path or line:column', () => {
  const bad = (body: unknown) => errorOf(sweepFile(body));
  assert.match(bad({ base: 'base.maporl.json', grid: { seed: 0 } }), /: grid\.seed: Invalid input: expected array/);
  assert.match(bad({ base: 'base.maporl.json', grid: { seed: [] } }), /: grid\.seed: Too small/);
  assert.match(bad({ base: 'base.maporl.json', extra: 1 }), /: extra: unknown key$/);
  assert.match(bad({ base: 'missing.maporl.json' }), /: base: missing.maporl.json: file not found$/);
  assert.match(bad({ base: 'base.maporl.json', grid: { 'a..b': [1] } }), /: grid\["a\.\.b"\]: .*dotted config path/);
  assert.match(
    bad({ base: 'base.maporl.json', grid: { seed: [0] }, list: [{ seed: 1 }] }),
    /: list\[0\]\.seed: "seed" is also swept by grid\["seed"\]$/,
  );
  assert.match(bad({ base: 'base.maporl.json', list: [{ seed: 1 }, { seed: 1 }] }), /run base__seed-1 comes twice/);
  assert.match(errorOf(sweepFile(null, '{"base": "x",\n  }')), /:2:3: invalid JSON/);
});

test('the plan keeps indices when the sweep grows, and refuses a run whose config changed', () => {
  const dir = path.join(root, 'out');
  const first = loadSweep(sweepFile({ name: 'g', base: 'base.maporl.json', grid: { seed: [0, 1] } }));
  writePlan(dir, mergePlan(dir, first), first);
  const grown = loadSweep(sweepFile({ name: 'g', base: 'base.maporl.json', grid: { seed: [2, 1, 0] } }));
  const plan = mergePlan(dir, grown);
  assert.deepEqual(
    plan.runs.map((r) => [r.index, r.name]),
    [
      [0, 'base__seed-0'],
      [1, 'base__seed-1'],
      [2, 'base__seed-2'],
    ],
  );
  writePlan(dir, plan, grown);
  assert.equal(fs.readFileSync(path.join(dir, 'slurm', 'names.txt'), 'utf8'), 'base__seed-0\nbase__seed-1\nbase__seed-2\n');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'configs', 'base__seed-2.json'), 'utf8')), grown.runs[0].config);
  const changed = loadSweep(sweepFile({ name: 'g', base: 'base.maporl.json', list: [{ 'training.iterations': 7 }] }));
  assert.deepEqual(mergePlan(dir, changed).runs.length, 4, 'a new cell is a new run');
  fs.writeFileSync(path.join(dir, 'configs', 'base__seed-1.json'), JSON.stringify({ ...grown.runs[1].config, seed: 99 }));
  assert.throws(() => mergePlan(dir, grown), /run base__seed-1 of .* was made from a different config/);
});

test('media/sweep.schema.json is the JSON Schema generated from the zod source', () => {
  const committed = fs.readFileSync(path.join(__dirname, '../../../media/sweep.schema.json'), 'utf8');
  assert.equal(committed, JSON.stringify(sweepJsonSchema(), null, 2) + '\n', 'stale: run node scripts/gen-schema.mjs');
});
