// Expanding a sweep: list entries crossed with the grid in a fixed order, overrides by dotted path,
// and run names that depend only on the values (so a re-run finds its runs again).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOverrides, cellNames, expandSweep, runName, slug, SweepError } from '../../../src/engine/sweep/expand';

test('the grid expands to every combination, first key slowest, each value traced to its place in the file', () => {
  const runs = expandSweep({
    grid: {
      'reward.alpha': [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
      ],
      seed: [0, 1, 2],
    },
  });
  assert.deepEqual(
    runs.map((r) => [r.overrides['reward.alpha'], r.overrides.seed]),
    [
      [[0, 0, 0, 0], 0],
      [[0, 0, 0, 0], 1],
      [[0, 0, 0, 0], 2],
      [[1, 0, 0, 0], 0],
      [[1, 0, 0, 0], 1],
      [[1, 0, 0, 0], 2],
    ],
  );
  assert.deepEqual(runs[4].sources, { 'reward.alpha': ['grid', 'reward.alpha', 1], seed: ['grid', 'seed', 1] });
});

test('each list entry is crossed with the grid; no grid or no list means one point', () => {
  const runs = expandSweep({
    list: [{ 'training.mode': 'none' }, { 'training.mode': 'maporl', 'training.ppo.lr': 1e-3 }],
    grid: { seed: [0, 1] },
  });
  assert.deepEqual(
    runs.map((r) => r.overrides),
    [
      { 'training.mode': 'none', seed: 0 },
      { 'training.mode': 'none', seed: 1 },
      { 'training.mode': 'maporl', 'training.ppo.lr': 1e-3, seed: 0 },
      { 'training.mode': 'maporl', 'training.ppo.lr': 1e-3, seed: 1 },
    ],
  );
  assert.deepEqual(runs[3].sources['training.ppo.lr'], ['list', 1, 'training.ppo.lr']);
  assert.deepEqual(
    expandSweep({}).map((r) => r.overrides),
    [{}],
  );
});

test('a key set twice for one run is an error at the value in the file', () => {
  const at = (fn: () => unknown) => assert.throws(fn, (e) => e instanceof SweepError && (assert.ok(e.path.length > 0), true));
  at(() => expandSweep({ grid: { seed: [0] }, list: [{ seed: 3 }] }));
  at(() => expandSweep({ grid: { training: [{}], 'training.iterations': [1] } }));
  assert.throws(() => expandSweep({ list: [{ reward: {}, 'reward.gamma': 0.1 }] }), /overlap/);
});

test('overrides replace the value at their path, creating objects; a path through a non-object is reported', () => {
  const base = { reward: { gamma: 0.3 }, agents: { models: ['tiny'] } };
  const { value } = applyOverrides(base, { 'reward.alpha': [1, 0, 0, 0], 'training.ppo.lr': 0.01 });
  assert.deepEqual(value, {
    reward: { gamma: 0.3, alpha: [1, 0, 0, 0] },
    agents: { models: ['tiny'] },
    training: { ppo: { lr: 0.01 } },
  });
  assert.deepEqual(base, { reward: { gamma: 0.3 }, agents: { models: ['tiny'] } }, 'the base is not changed');
  assert.equal(applyOverrides(base, { 'agents.models.x': 1 }).badKey, 'agents.models.x');
});

test('cell names: last key part and a slug of the value, the full path where last parts clash, "base" for seed-only', () => {
  assert.deepEqual(
    cellNames([
      { 'reward.alpha': [1, 0, 0, 0], seed: 1 },
      { 'reward.alpha': [0, 0, 0, 0], seed: 1 },
    ]),
    ['alpha-1_0_0_0', 'alpha-0_0_0_0'],
  );
  assert.deepEqual(cellNames([{ 'training.ppo.lr': 0.001, 'verifier.lr': 0.01 }]), ['training.ppo.lr-0.001__verifier.lr-0.01']);
  assert.deepEqual(cellNames([{ seed: 0 }, { seed: 1 }]), ['base', 'base']);
  assert.equal(runName('alpha-1_0_0_0', 2), 'alpha-1_0_0_0__seed-2');
});

test('values that slug alike, objects and very long names get a hash, deterministically', () => {
  const names = cellNames([{ 'agents.models': ['a b'] }, { 'agents.models': ['a_b'] }]);
  assert.notEqual(names[0], names[1]);
  assert.match(names[0], /^models-a_b-[0-9a-f]{6}$/);
  assert.deepEqual(cellNames([{ 'agents.models': ['a b'] }, { 'agents.models': ['a_b'] }]), names, 'same input, same names');
  assert.match(slug({ rank: 8 }), /^h[0-9a-f]{6}$/);
  assert.equal(slug({ rank: 8, alpha: 16 }), slug({ alpha: 16, rank: 8 }), 'key order does not matter');
  assert.equal(slug('../models/a'), 'models_a');
  assert.equal(slug(1e-4), '0.0001');
  assert.ok(cellNames([{ 'task.trainFile': 'x'.repeat(300) }])[0].length <= 100);
});

test('a key that would reach a prototype (__proto__, constructor, prototype) is refused by name; nothing is polluted', () => {
  for (const key of ['__proto__.x', 'task.__proto__.polluted', 'constructor.prototype.x']) {
    assert.throws(
      () => expandSweep({ grid: { [key]: [1] } }),
      (e) => e instanceof SweepError && e.problem.includes('is not a config key') && e.path[1] === key,
      key,
    );
    assert.throws(() => expandSweep({ list: [{ [key]: 1 }] }), SweepError, key);
    assert.equal(applyOverrides({ task: {} }, { [key]: 1 }).badKey, key);
  }
  assert.equal(({} as Record<string, unknown>).x, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a sweep of more than MAX_RUNS runs is refused before anything is expanded', () => {
  const t0 = performance.now();
  const seeds = Array.from({ length: 1000 }, (_, i) => i);
  assert.throws(
    () => expandSweep({ grid: { seed: seeds, 'training.ppo.lr': seeds.slice(0, 100) } }),
    (e) => e instanceof SweepError && /100000 runs: a sweep holds at most 10000/.test(e.problem),
  );
  assert.ok(performance.now() - t0 < 500);
});

test('naming 30,000 cells takes well under a second (one pass, not every pair)', () => {
  const runs = Array.from({ length: 30_000 }, (_, i) => ({ 'training.ppo.lr': i / 1e5, 'reward.alpha': i % 7 }));
  const t0 = performance.now();
  const names = cellNames(runs);
  const ms = performance.now() - t0;
  assert.equal(new Set(names).size, 30_000);
  assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
});
