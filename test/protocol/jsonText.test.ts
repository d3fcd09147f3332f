// The JSON scanner agrees with JSON.parse on validity, points at the first bad character, and finds
// each member's key by JSON pointer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonErrorOffset, offsetToPosition, pointerOffsets } from '../../src/protocol/jsonText';

test('valid documents give null, like JSON.parse accepts them', () => {
  for (const ok of ['{}', ' [ ] ', '{"a": [1, -2.5e+3, 0, true, false, null, "x\\u00e9\\n"]}', '"s"', '0', '-0.1E5']) {
    JSON.parse(ok);
    assert.equal(jsonErrorOffset(ok), null, ok);
  }
});

test('invalid documents give the offset of the first bad character', () => {
  const cases: [string, number][] = [
    ['{"a": tru}', 9],
    ['{"a" 1}', 5],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": 1', 7],
    ['', 0],
    ['{"a": 01}', 7],
    ['{"a": "x\ny"}', 8],
    ['{"a": 1} x', 9],
    ['{a: 1}', 1],
    ['[1.]', 3],
    ['"\\q"', 2],
  ];
  for (const [bad, at] of cases) {
    assert.throws(() => JSON.parse(bad));
    assert.equal(jsonErrorOffset(bad), at, JSON.stringify(bad));
  }
});

test('agrees with JSON.parse on random mutations of a config', () => {
  const base = '{"name": "x", "agents": {"count": 3, "models": ["tiny"]}, "reward": {"alpha": [0, 0.5, -1, 2e-3]}}';
  const chars = '{}[]",: 0-.eatrx\n';
  let seed = 1;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (let k = 0; k < 500; k++) {
    const at = rand(base.length);
    const text = base.slice(0, at) + chars[rand(chars.length)] + base.slice(at + rand(2));
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    assert.equal(jsonErrorOffset(text) === null, valid, text);
  }
});

test('pointers name the offset of each key and array item; escaped quotes and braces do not confuse the scanner', () => {
  const t = '{"a": "x\\"}{[", "b": {"c": 1}, "d/e": [true, {"f": null}]}';
  const offsets = pointerOffsets(t);
  assert.equal(offsets.get('/b/c'), t.indexOf('"c"'));
  assert.equal(offsets.get('/d~1e'), t.indexOf('"d/e"'));
  assert.equal(offsets.get('/d~1e/1'), t.indexOf('{"f"'));
  assert.equal(offsets.get('/d~1e/1/f'), t.indexOf('"f"'));
  assert.deepEqual(offsetToPosition('{\n  "a": 1}', 4), { line: 1, column: 2 });
});

test('pointerOffsets refuses what JSON.parse refuses, trailing text included', () => {
  for (const bad of ['{"a": ', '{"a": 1} x', '{"a": 01}']) assert.throws(() => pointerOffsets(bad), /syntax error at offset/);
});
