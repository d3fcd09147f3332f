// JSON pointers to lines of a config file, and the flat list of a config's values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenScalars, locatePointer } from '../../src/extension/json/jsonLocation';

const text = JSON.stringify(
  { name: 'x', training: { ppo: { lr: 0.0001, 'a/b': true } }, agents: { models: ['tiny', 'tiny'] } },
  null,
  2,
);

test('a pointer finds the line and column of its key', () => {
  assert.deepEqual(locatePointer(text, '/training/ppo/lr'), { line: 4, column: 6 }); // 0-based: the 5th line
  assert.deepEqual(locatePointer(text, '/training/ppo/a~1b'), { line: 5, column: 6 });
  assert.deepEqual(locatePointer(text, '/agents/models/1'), { line: 11, column: 6 });
});

test('a pointer that is not there falls back to its nearest ancestor; not JSON gives null', () => {
  assert.deepEqual(locatePointer(text, '/training/ppo/missing'), locatePointer(text, '/training/ppo'));
  assert.deepEqual(locatePointer(text, '/nothing'), { line: 0, column: 0 });
  assert.equal(locatePointer('{"a": ', '/a'), null);
});

test('flattenScalars lists leaves in order; short scalar arrays stay whole', () => {
  assert.deepEqual(flattenScalars(JSON.parse(text)), [
    { pointer: '/name', value: 'x' },
    { pointer: '/training/ppo/lr', value: '0.0001' },
    { pointer: '/training/ppo/a~1b', value: 'true' },
    { pointer: '/agents/models', value: '["tiny","tiny"]' },
  ]);
  assert.equal(flattenScalars({ a: 1, b: 2, c: 3 }, 2).length, 2);
});
