// `maporl eval` decodes and prompts as the run did (or as a default run would), never greedily
// unless asked, and warns when greedy decoding makes identical agents answer alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalDefaults } from '../../src/cli/commands/evaluate';
import { identicalAgentsWarning } from '../../src/engine/maporl/discussion/evaluate';
import { UsageError } from '../../src/cli/errors';
import { parseConfig } from '../../src/engine/maporl/config';
import { defaultPromptOptions } from '../../src/engine/maporl/discussion/prompts';

test('a run is evaluated with its own sampling, lengths and prompts; flags override', () => {
  const run = parseConfig({
    generation: { temperature: 0.7, topP: 0.9, topK: 5, maxNewTokens: 48 },
    discussion: { show: 'text', templates: { later: '{own} | {others} | {question}' } },
  });
  const d = evalDefaults(run);
  assert.deepEqual(d.generation, { maxNewTokens: 48, temperature: 0.7, topP: 0.9, topK: 5 });
  assert.equal(d.prompt.show, 'text');
  assert.equal(d.prompt.templates.later, '{own} | {others} | {question}');
  assert.equal(
    evalDefaults(parseConfig({ ...run, eval: { temperature: 0.3 } })).generation.temperature,
    0.3,
    'eval.temperature first, as training-time evaluation',
  );
  const flagged = evalDefaults(run, { temperature: '0', maxNewTokens: '8' });
  assert.deepEqual(flagged.generation, { maxNewTokens: 8, temperature: 0, topP: 0.9, topK: 5 });
});

test('base models (no run) get the config defaults: sampling, and the question-last later-turn prompt', () => {
  const d = evalDefaults(undefined);
  assert.deepEqual(d.generation, { maxNewTokens: 96, temperature: 1, topP: 1, topK: 0 });
  assert.deepEqual(d.prompt, defaultPromptOptions());
  assert.match(d.prompt.templates.later, /\{question\}\nA:$/);
});

test('a bad --temperature is a usage error', () => {
  assert.throws(
    () => evalDefaults(undefined, { temperature: '-1' }),
    (e) => e instanceof UsageError && /--temperature must be at least 0/.test(e.message),
  );
  assert.throws(() => evalDefaults(undefined, { temperature: 'warm' }), UsageError);
});

test('greedy decoding with agents on the same model warns in one line', () => {
  for (const [sharing, models] of [
    ['shared', undefined],
    ['per-turn', undefined],
    ['per-agent', ['a', 'a', 'b']],
  ] as const) {
    const w = identicalAgentsWarning(0, 3, sharing, models);
    assert.ok(w, sharing);
    assert.match(w, /^warning: greedy decoding .*one agent talking to copies of itself/);
    assert.ok(!w.includes('\n'));
  }
  assert.equal(identicalAgentsWarning(0.7, 3, 'shared'), undefined, 'sampling: agents differ');
  assert.equal(identicalAgentsWarning(0, 1, 'shared'), undefined, 'one agent');
  assert.equal(identicalAgentsWarning(0, 3, 'per-agent', ['a', 'b', 'c']), undefined, 'different models');
  assert.equal(identicalAgentsWarning(0, 2, 'per-agent'), undefined, 'a per-agent checkpoint');
});
