// The comparison panel's config differences: configs flattened to dotted keys (arrays are values),
// and only the keys whose values are not the same on every side, with their JSON pointers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDiff, flattenConfig } from '../../src/extension/compare/configDiff';

test('flattenConfig: dotted keys in document order, arrays and empty objects as values, pointers escaped', () => {
  const flat = flattenConfig({
    seed: 0,
    training: { ppo: { lr: 1e-4 } },
    agents: { models: ['tiny', 'tiny'] },
    extra: {},
    'a/b': { '~c': null },
  });
  assert.deepEqual([...flat.keys()], ['seed', 'training.ppo.lr', 'agents.models', 'extra', 'a/b.~c']);
  assert.deepEqual(flat.get('training.ppo.lr'), { pointer: '/training/ppo/lr', value: '0.0001' });
  assert.deepEqual(flat.get('agents.models'), { pointer: '/agents/models', value: '["tiny","tiny"]' });
  assert.deepEqual(flat.get('extra'), { pointer: '/extra', value: '{}' });
  assert.deepEqual(flat.get('a/b.~c'), { pointer: '/a~1b/~0c', value: 'null' });
});

test('configDiff: only differing keys, one value per side, missing keys and configs as null', () => {
  const a = { name: 'a', seed: 0, training: { iterations: 20, ppo: { lr: 1e-4, clip: 0.2 } } };
  const b = { name: 'b', seed: 0, training: { iterations: 20, ppo: { lr: 3e-4, clip: 0.2 } }, verifier: { type: 'learned' } };
  assert.deepEqual(configDiff([a, b]), [
    { key: 'name', pointer: '/name', values: ['"a"', '"b"'] },
    { key: 'training.ppo.lr', pointer: '/training/ppo/lr', values: ['0.0001', '0.0003'] },
    { key: 'verifier.type', pointer: '/verifier/type', values: [null, '"learned"'] },
  ]);
  assert.deepEqual(configDiff([a, a, a]), [], 'checkpoints of one run: no differences');
  assert.deepEqual(configDiff([{ seed: 1 }, null]), [{ key: 'seed', pointer: '/seed', values: ['1', null] }]);
  assert.deepEqual(
    configDiff([{ m: [1, 2] }, { m: [1, 2] }, { m: [2, 1] }]).map((r) => r.values),
    [['[1,2]', '[1,2]', '[2,1]']],
  );
});
