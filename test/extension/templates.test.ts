// New Experiment's templates write configs the engine accepts as written (schema and cross-field
// checks) and data files its loaders read; "Your data…" reports the first bad record by its line;
// Prepare Base Agents puts a model directory into a config that still validates.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crossCheckConfig, parseConfig, resolveConfigPaths } from '../../src/engine/maporl/config';
import { loadJsonlTask } from '../../src/engine/tasks/loaders';
import { useModelInConfig } from '../../src/extension/templates/baseAgentsConfig';
import { MAPORL_ENV } from '../../src/protocol/environment';
import {
  configText,
  deepMerge,
  DEFAULT_TEMPLATE,
  TEMPLATES,
  templateFiles,
  templateOverrides,
  type TemplateId,
} from '../../src/extension/templates/templates';
import { checkDataFile, checkModelLayout, detectFormat, userDataConfig } from '../../src/extension/templates/userData';

const tmp = () => mkdtempSync(join(tmpdir(), 'maporl-templates-'));

/** Writes a template's files into a fresh folder and loads its config as `maporl train` does. */
function writeAndLoad(id: Exclude<TemplateId, 'user-data'>, name: string) {
  const dir = tmp();
  const files = templateFiles(id, name);
  for (const d of files.data) {
    mkdirSync(join(dir, d.path, '..'), { recursive: true });
    writeFileSync(join(dir, d.path), d.text);
  }
  const configFile = join(dir, files.configPath);
  writeFileSync(configFile, configText(files.config));
  return { dir, files, config: resolveConfigPaths(parseConfig(JSON.parse(configText(files.config)), configFile), configFile) };
}

test('every template that needs only a name writes a config that validates, and data that parses', () => {
  for (const t of TEMPLATES.filter((x) => x.id !== 'user-data')) {
    const { config, files } = writeAndLoad(t.id as Exclude<TemplateId, 'user-data'>, `t-${t.id}`);
    assert.deepEqual(crossCheckConfig(config), [], t.id);
    assert.equal(config.name, `t-${t.id}`);
    assert.equal(files.configPath, `t-${t.id}.maporl.json`);
    if (config.task.trainFile) {
      assert.equal(loadJsonlTask(config.task.type as 'gsm8k', config.task.trainFile).records.length, config.task.nTrain, t.id);
      assert.equal(loadJsonlTask(config.task.type as 'gsm8k', config.task.testFile!).records.length, config.task.nTest, t.id);
    }
  }
});

test("the default template trains SFT base agents on arithmetic, rewarded by correctness, at the demo's scale", () => {
  assert.equal(DEFAULT_TEMPLATE, 'arith');
  assert.equal(TEMPLATES[0].id, 'arith');
  const { config } = writeAndLoad('arith', 'a');
  assert.equal(config.task.type, 'arith');
  assert.deepEqual(config.agents.models, ['base-agents']);
  assert.equal(config.baseAgents?.steps, 2200);
  assert.equal(config.verifier.type, 'ground-truth');
  assert.equal(config.agents.count, 3);
  assert.equal(config.discussion.turns, 3);
  assert.equal(config.generation.temperature, 0.7);
  assert.deepEqual(
    [config.training.iterations, config.training.questionsPerIteration, config.training.samplesPerQuestion],
    [50, 32, 4],
  );
  assert.deepEqual([config.eval.every, config.eval.questions], [10, 200]);
});

test('the learned-verifier variant says what docs/results.md measured; NLI has the same shape', () => {
  const learned = writeAndLoad('arith-learned', 'l').config;
  assert.equal(learned.verifier.type, 'learned');
  assert.equal(learned.verifier.model, 'base-agents');
  const info = TEMPLATES.find((t) => t.id === 'arith-learned')!;
  assert.match(info.detail, /please/);
  assert.match(info.detail, /held-out accuracy does not/);
  const nli = writeAndLoad('nli', 'n').config;
  assert.equal(nli.task.type, 'nli');
  assert.deepEqual({ ...nli.training, ppo: null }, { ...writeAndLoad('arith', 'a').config.training, ppo: null });
});

test('the test override merges into the template and the result still validates', () => {
  assert.equal(templateOverrides({}), null);
  const OVERRIDES_ENV = MAPORL_ENV.templateOverrides;
  assert.equal(templateOverrides({ [OVERRIDES_ENV]: '[1]' }), null);
  assert.equal(templateOverrides({ [OVERRIDES_ENV]: '{not json' }), null);
  const patch = templateOverrides({ [OVERRIDES_ENV]: '{"baseAgents": {"steps": 300}, "training": {"iterations": 3}}' });
  const merged = deepMerge(templateFiles('arith', 'x').config, patch);
  const config = parseConfig(merged);
  assert.equal(config.baseAgents?.steps, 300);
  assert.equal(config.baseAgents?.preset, 'tiny');
  assert.equal(config.training.iterations, 3);
  assert.equal(config.training.questionsPerIteration, 32);
  assert.equal(templateFiles('arith', 'x').config.training?.iterations, 50, 'the template itself is unchanged');
});

test('your data: the format from the first record, the first bad record by its line, the model layout', () => {
  const dir = tmp();
  const good = join(dir, 'train.jsonl');
  writeFileSync(good, '{"question": "2+2?", "answer": "2+2=4\\n#### 4"}\n\n{"question": "3+3?", "answer": "#### 6"}\n');
  assert.deepEqual(detectFormat(good), { ok: true, value: 'gsm8k' });
  assert.deepEqual(checkDataFile('gsm8k', good), { ok: true, value: 2 });
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(
    bad,
    '{"question": "a", "answer": "#### 1"}\n{"question": "b", "answer": "no final answer"}\n{"question": "c"}\n',
  );
  const r = checkDataFile('gsm8k', bad);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.problem : '', new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `));
  const nli = join(dir, 'nli.jsonl');
  writeFileSync(nli, '{"premise": "All cats are black.", "hypothesis": "Tom, a cat, is black.", "label": 0}\n');
  assert.deepEqual(detectFormat(nli), { ok: true, value: 'nli-jsonl' });
  writeFileSync(join(dir, 'other.jsonl'), '{"text": "x"}\n');
  assert.match((detectFormat(join(dir, 'other.jsonl')) as { problem: string }).problem, /:1: neither GSM8K/);
  const model = join(dir, 'model');
  mkdirSync(model);
  assert.match((checkModelLayout(model) as { problem: string }).problem, /no config\.json/);
  writeFileSync(join(model, 'config.json'), '{"architectures": ["LlamaForCausalLM"]}');
  assert.match((checkModelLayout(model) as { problem: string }).problem, /no model\.safetensors/);
  writeFileSync(join(model, 'model.safetensors'), '');
  writeFileSync(join(model, 'tokenizer.json'), '{}');
  assert.deepEqual(checkModelLayout(model), { ok: true, value: 'LlamaForCausalLM' });

  const configFile = join(dir, 'mine.maporl.json');
  const config = resolveConfigPaths(
    parseConfig(
      userDataConfig({
        name: 'mine',
        configFile,
        trainFile: good,
        testFile: good,
        modelDir: model,
        format: 'gsm8k',
        trainRecords: 2,
        testRecords: 2,
      }),
      configFile,
    ),
    configFile,
  );
  assert.deepEqual(crossCheckConfig(config), []);
  assert.equal(config.task.trainFile, good);
  assert.deepEqual(config.agents.models, ['./model'], 'paths inside the folder are written relative to the config');
  assert.equal(config.eval.questions, 2);
  assert.ok(config.training.lora);
});

test('Prepare Base Agents: the model directory replaces "base-agents" and the unused stage goes', () => {
  const text = configText(templateFiles('arith-learned', 'x').config);
  const r = useModelInConfig(text, './models/base-agents-arith');
  assert.ok(r.ok);
  const config = parseConfig(JSON.parse(r.ok ? r.value : '{}'));
  assert.deepEqual(config.agents.models, ['./models/base-agents-arith']);
  assert.equal(config.verifier.model, './models/base-agents-arith');
  assert.equal(config.baseAgents, undefined);
  assert.deepEqual(crossCheckConfig(config), []);
  assert.equal(useModelInConfig('{ nope', 'm').ok, false);
});
