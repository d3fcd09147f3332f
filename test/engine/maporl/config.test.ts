// The experiment config: defaults filled by parsing, one-line errors with the JSON path (or
// line:column for JSON syntax), cross-field checks, and the committed JSON Schema in sync with zod.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, crossCheckConfig, loadConfig, parseConfig, resolveConfigPaths } from '../../../src/engine/maporl/config';
import { maporlConfigJsonSchema } from '../../../src/protocol/configSchema';

/** A JSON Schema node, walked loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const dir = mkdtempSync(join(tmpdir(), 'maporl-config-'));
function configFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

test("an empty config gets every default, as in the paper's code where it has one", () => {
  const c = parseConfig({});
  assert.equal(c.name, 'maporl');
  assert.equal(c.seed, 0);
  assert.deepEqual(c.task, { type: 'arith', skipInvalid: false, nTrain: 2000, nTest: 200 });
  assert.deepEqual(c.agents, { count: 3, models: ['tiny'], policySharing: 'shared' });
  assert.equal(c.discussion.turns, 3);
  assert.equal(c.discussion.templates.first, '{question}\nA:');
  assert.equal(
    c.discussion.templates.later,
    'You: {own}\nOthers: {others}\n{question}\nA:',
    'question last, right before "A:" as on turn 1',
  );
  assert.deepEqual(c.reward, { source: 'verifier', gamma: 0.3, alpha: [0, 0, 0, 0], formatPenalty: -1 });
  assert.deepEqual(c.training.ppo, {
    epochs: 2,
    minibatchSize: 64,
    clipRange: 0.2,
    vfClip: 0.2,
    vfCoef: 0.1,
    klCoef: 0.05,
    gamma: 1,
    lam: 0.95,
    lr: 1e-4,
    maxGradNorm: 1,
    whitenAdvantages: true,
    whitenScope: 'turn-agent',
    advantage: 'group',
    critic: 'separate',
  });
  assert.equal(c.training.samplesPerQuestion, 4);
  assert.equal(c.training.lora, undefined);
  assert.equal(c.runtime.executionProvider, 'auto');
  assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(c))), c, 'a resolved config.json parses to itself');
});

test('optional sections get their defaults when present', () => {
  const c = parseConfig({ training: { lora: {} }, reward: { alpha: [0.1, 0.2, 0, -1] } });
  assert.deepEqual(c.training.lora, { rank: 8, alpha: 16, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
  assert.deepEqual(c.reward.alpha, [0.1, 0.2, 0, -1]);
});

test('schema errors: <file>: <json.path>: <message>', () => {
  const cases: [unknown, string][] = [
    [{ training: { ppo: { clip: 0.1 } } }, 'training.ppo.clip: unknown key'],
    [{ extra: 1 }, 'extra: unknown key'],
    [{ agents: { count: '3' } }, 'agents.count: Invalid input: expected number, received string'],
    [{ agents: { count: 0 } }, 'agents.count: Too small'],
    [{ agents: { models: ['a', 5] } }, 'agents.models[1]: Invalid input: expected string'],
    [{ reward: { alpha: [1, 2, 3] } }, 'reward.alpha: Too small'],
    [{ task: { type: 'mnist' } }, 'task.type: Invalid option'],
    [{ discussion: { templates: { later: '{question} {foo}' } } }, 'discussion.templates.later: unknown placeholder {foo}'],
    [{ discussion: { templates: { first: 'no question' } } }, 'discussion.templates.first: template must contain {question}'],
    [[], '$: Invalid input: expected object'],
  ];
  for (const [value, want] of cases) {
    const msg = errorOf(() => parseConfig(value, 'x.maporl.json'));
    assert.ok(msg.startsWith(`x.maporl.json: ${want}`), `${msg}\n  wanted: x.maporl.json: ${want}`);
  }
});

test('cross-field checks: more agents than models, model count vs sharing, data files', () => {
  const two = { agents: { count: 3, models: ['a', 'b'], policySharing: 'per-agent' } };
  assert.equal(
    errorOf(() => parseConfig(two, 'c.json')),
    'c.json: agents.count: config asks for more agents than models (3 agents, 2 models; give one model for all or one per agent)',
  );
  assert.match(
    errorOf(() => parseConfig({ agents: { count: 2, models: ['a', 'b'] } }, 'c.json')),
    /^c\.json: agents\.policySharing: "shared" shares one policy/,
  );
  assert.match(
    errorOf(() => parseConfig({ agents: { count: 1, models: ['a', 'b'], policySharing: 'per-agent' } })),
    /agents\.models: config lists more models than agents/,
  );
  assert.doesNotThrow(() => parseConfig({ agents: { count: 2, models: ['a', 'b'], policySharing: 'per-agent' } }));
  assert.match(
    errorOf(() => parseConfig({ task: { type: 'gsm8k', trainFile: 't.jsonl' } })),
    /task\.testFile: task type "gsm8k" needs a testFile/,
  );
  assert.match(
    errorOf(() => parseConfig({ task: { type: 'gsm8k', testFile: 't.jsonl' } })),
    /task\.trainFile: .*to train the agents/,
  );
  assert.doesNotThrow(() =>
    parseConfig({ task: { type: 'gsm8k', testFile: 't.jsonl' }, training: { mode: 'none' }, verifier: { type: 'ground-truth' } }),
  );
  assert.match(
    errorOf(() => parseConfig({ task: { type: 'nli', testFile: 't.jsonl' } })),
    /task\.testFile: built-in task "nli" is generated from the seed/,
  );
  assert.match(
    errorOf(() => parseConfig({ eval: { questions: 300 } })),
    /eval\.questions: evaluates 300 questions but task\.nTest is 200/,
  );
  assert.deepEqual(crossCheckConfig(parseConfig({})), []);
});

test('ground-truth scores shown in prompts are refused: they are the answer key', () => {
  const leak = { discussion: { feedVerifierScores: true }, verifier: { type: 'ground-truth' } };
  assert.equal(
    errorOf(() => parseConfig(leak, 'c.json')),
    "c.json: discussion.feedVerifierScores: the ground-truth verifier's scores are the answer key (1.00 right, 0.00 wrong), so prompts must not show them; use a learned verifier or turn this off",
  );
  assert.doesNotThrow(
    () => parseConfig({ discussion: { feedVerifierScores: true } }),
    "a learned verifier's scores may be shown",
  );
  assert.doesNotThrow(() => parseConfig({ verifier: { type: 'ground-truth' } }));
});

test('PPO settings that cannot learn are refused: greedy rollouts, group baselines of one sample', () => {
  assert.throws(
    () => parseConfig({ generation: { temperature: 0 } }, 'c.json'),
    /^ConfigError: c\.json: generation\.temperature: PPO learns from sampled rollouts/,
  );
  assert.doesNotThrow(
    () => parseConfig({ generation: { temperature: 0 }, training: { mode: 'none' } }),
    'greedy discussions without training are fine',
  );
  assert.throws(
    () => parseConfig({ training: { samplesPerQuestion: 1 } }, 'c.json'),
    /c\.json: training\.samplesPerQuestion: group advantages compare the samples of one question/,
  );
  assert.doesNotThrow(
    () => parseConfig({ training: { samplesPerQuestion: 1, ppo: { advantage: 'gae' } } }),
    'GAE learns from one sample',
  );
});

test('loadConfig: JSON syntax errors give line:column; missing files say so', () => {
  const bad = configFile('bad.maporl.json', '{\n  "name": "x",\n  "seed" 3\n}\n');
  assert.match(
    errorOf(() => loadConfig(bad)),
    new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:10: invalid JSON: `),
  );
  const cut = configFile('cut.maporl.json', '{\n  "name": "x",');
  assert.match(
    errorOf(() => loadConfig(cut)),
    /cut\.maporl\.json:2:15: invalid JSON/,
  );
  const tru = configFile('tru.maporl.json', '{"a": tru}');
  assert.match(
    errorOf(() => loadConfig(tru)),
    /tru\.maporl\.json:1:10: invalid JSON: Unexpected token '\}'$/,
    'V8 gives no position here; the scanner does',
  );
  assert.match(
    errorOf(() => loadConfig(join(dir, 'none.json'))),
    /none\.json: \$: file not found$/,
  );
  const good = configFile(
    'good.maporl.json',
    '\uFEFF{"$schema": "../media/maporl.schema.json", "seed": 4, "agents": {"count": 2}}',
  );
  const c = loadConfig(good);
  assert.equal(c.seed, 4);
  assert.equal(c.agents.count, 2);
  assert.match(
    errorOf(() => loadConfig(configFile('t.maporl.json', '{"task": {"nTest": -1}}'))),
    /t\.maporl\.json: task\.nTest: Too small/,
  );
});

test('resolveConfigPaths makes data files absolute against the config folder', () => {
  const c = parseConfig({ task: { type: 'generic', trainFile: 'data/train.jsonl', testFile: '/abs/test.jsonl' } });
  const r = resolveConfigPaths(c, '/home/u/exp/a.maporl.json');
  assert.equal(r.task.trainFile, '/home/u/exp/data/train.jsonl');
  assert.equal(r.task.testFile, '/abs/test.jsonl');
  assert.equal(c.task.trainFile, 'data/train.jsonl', 'input untouched');
});

test('verifier.humanLabels: run directories resolved against the config folder, weight 1 by default, refused with a ground-truth verifier', () => {
  const c = parseConfig({ verifier: { humanLabels: { runs: ['runs/a', '/abs/b'] } } });
  assert.equal(c.verifier.humanLabels?.weight, 1);
  assert.deepEqual(resolveConfigPaths(c, '/home/u/exp/a.maporl.json').verifier.humanLabels?.runs, [
    '/home/u/exp/runs/a',
    '/abs/b',
  ]);
  assert.equal(parseConfig({}).verifier.humanLabels, undefined);
  assert.match(
    errorOf(() => parseConfig({ verifier: { type: 'ground-truth', humanLabels: { runs: ['r'] } } }, 'c.json')),
    /^c\.json: verifier\.humanLabels: human labels train the learned verifier/,
  );
  assert.match(
    errorOf(() => parseConfig({ verifier: { humanLabels: { runs: [] } } }, 'c.json')),
    /^c\.json: verifier\.humanLabels\.runs: Too small/,
  );
});

test('media/maporl.schema.json is the JSON Schema generated from the zod source', () => {
  const committed = readFileSync(join(__dirname, '../../../media/maporl.schema.json'), 'utf8');
  assert.equal(committed, JSON.stringify(maporlConfigJsonSchema(), null, 2) + '\n', 'stale: run node scripts/gen-schema.mjs');
});

test('the JSON Schema rejects unknown keys at every level and documents defaults', () => {
  const schema = maporlConfigJsonSchema() as Record<string, Any>;
  let objects = 0;
  (function walk(s: Any, path: string) {
    if (s && typeof s === 'object') {
      if (s.type === 'object') {
        objects++;
        assert.equal(s.additionalProperties, false, `${path} allows unknown keys`);
      }
      for (const [k, v] of Object.entries(s)) walk(v, `${path}/${k}`);
    }
  })(schema, '');
  assert.ok(objects >= 13, `${objects} object schemas`);
  assert.equal(schema.properties.reward.properties.gamma.default, 0.3);
  assert.deepEqual(schema.properties.agents.properties.policySharing.enum, ['shared', 'per-agent', 'per-turn']);
});
