// Hovering a key of a *.maporl.json: the key under the cursor is found (keys only, not values or
// string array items), and the hover shows its description and default from the generated schema
// and its value in the last run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hoverMarkdown, schemaAt } from '../../src/extension/config/schemaDocs';
import { keyPathAt } from '../../src/extension/json/jsonLocation';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'media', 'maporl.schema.json'), 'utf8')) as unknown;

test('the key under an offset, as a path', () => {
  const text =
    '{\n  "training": {\n    "ppo": { "klCoef": 0.1 },\n    "lr": "x"\n  },\n  "agents": { "models": ["base-agents"] }\n}\n';
  const at = (needle: string, k = 1) => text.indexOf(needle) + k;
  assert.deepEqual(keyPathAt(text, at('"training"')), ['training']);
  assert.deepEqual(keyPathAt(text, at('"klCoef"', 3)), ['training', 'ppo', 'klCoef']);
  assert.deepEqual(keyPathAt(text, at('"klCoef"', 0)), ['training', 'ppo', 'klCoef'], 'on the opening quote');
  assert.equal(keyPathAt(text, at('0.1')), null, 'a value is not a key');
  assert.equal(keyPathAt(text, at('"x"')), null, 'a string value is not a key');
  assert.equal(keyPathAt(text, at('"base-agents"')), null, 'an array item is not a key');
  assert.equal(keyPathAt('{ "a": ', 3), null, 'not JSON');
});

test("the hover: description, default and the last run's value", () => {
  const md = hoverMarkdown(schema, ['training', 'ppo', 'klCoef'], {
    name: 'arith-20260101-120000',
    config: { training: { ppo: { klCoef: 0.05 } } },
  })!;
  assert.match(md, /^\*\*training\.ppo\.klCoef\*\*/);
  assert.match(md, /Per-token KL penalty to the reference policy/);
  assert.match(md, /default `0\.05`/);
  assert.match(md, /Last run \(`arith-20260101-120000`\): `0\.05`/);
});

test('the hover: allowed values and range, a section, no run yet, an unknown key', () => {
  const mode = hoverMarkdown(schema, ['training', 'mode'], null)!;
  assert.match(mode, /one of `"none"`, `"single-agent"`, `"maporl"`/);
  assert.match(mode, /default `"maporl"`/);
  assert.match(mode, /No run of this experiment yet/);
  assert.match(hoverMarkdown(schema, ['agents', 'count'], null)!, /range 1 … 16 · default `3`/);
  const base = hoverMarkdown(schema, ['baseAgents'], null)!;
  assert.match(base, /SFT/);
  assert.match(base, /optional section/);
  assert.equal(hoverMarkdown(schema, ['nope'], null), null);
  assert.ok(schemaAt(schema, ['agents', 'models', '0']), 'array items');
  assert.match(hoverMarkdown(schema, ['eval', 'temperature'], { name: 'r', config: { eval: {} } })!, /Not set in the last run/);
});
