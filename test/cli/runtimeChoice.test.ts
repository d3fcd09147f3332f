// Every entry point honours the provider choice (runtime/resolve.ts): with MAPORL_EXECUTION_PROVIDER
// set as the VS Code extension sets it, the provider reaches Session.create in train (and its
// evaluations), the base-agent stage of a run, eval, compare, generate, logprobs, sft and
// prepare-agents, and the job says what ran: a `runtime` event in the run, a `runtime` field in a
// comparison's result, a `runtime:` line on stderr elsewhere.
//
// The proof is the fallback: VK_DRIVER_FILES names no driver, so a WebGPU session cannot start on any
// machine (in ~0.1 s) and Session.create's one-line reason, naming "webgpu", is what each job reports.
// A job that never asked for WebGPU would report the CPU with no fallback at all.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sftRecords, writeSftJsonl } from '../../src/engine/maporl/base/sftData';
import { MAPORL_ENV } from '../../src/protocol/environment';
import { validateRunEvent } from '../../src/protocol/runRecords';
import { lines, TINY_CONFIG } from '../helpers/tinyRun';
import { assertBadInput, maporl, type CliResult } from './run';

const root = mkdtempSync(join(tmpdir(), 'maporl-cli-runtime-'));
const tiny = join(root, 'tiny');
const data = join(root, 'sft.jsonl');
after(() => rmSync(root, { recursive: true, force: true }));

const WEBGPU = {
  [MAPORL_ENV.executionProvider]: 'webgpu',
  [MAPORL_ENV.threads]: '1',
  [MAPORL_ENV.cacheDir]: join(root, 'cache'),
  VK_DRIVER_FILES: join(root, 'no-such-driver.json'),
  VK_ICD_FILENAMES: undefined,
};
const FALLBACK = /execution provider "webgpu" is not available \(.*\); using CPU/;

before(() => {
  const r = maporl(['init-model', '--preset', 'tiny', '--out', tiny, '--seed', '1']);
  assert.equal(r.code, 0, r.stderr);
  writeSftJsonl(data, sftRecords('arith', 'train', 16, 0));
});

/** The command succeeded and its stderr has a runtime line: CPU, asked for WebGPU, with the fallback's reason. */
function assertAskedWebgpu(r: CliResult, label: string): void {
  assert.equal(r.code, 0, `${label}: ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('runtime: '));
  assert.ok(line, `${label}: no runtime line in\n${r.stderr}`);
  assert.match(line, /^runtime: ([a-z-]+: )?cpu.*, asked for webgpu, 1 thread, onnxruntime-node \d/, label);
  assert.match(line, FALLBACK, label);
}

test('generate and logprobs open their sessions on the provider asked for; --provider wins over the environment', () => {
  assertAskedWebgpu(maporl(['generate', '--model', tiny, '--prompt', '1+1=', '--max-new-tokens', '2'], WEBGPU), 'generate');
  const text = join(root, 'x.txt');
  writeFileSync(text, 'Tom has 3 pens.');
  assertAskedWebgpu(maporl(['logprobs', '--model', tiny, '--text-file', text], WEBGPU), 'logprobs');

  const flagged = maporl(['generate', '--model', tiny, '--prompt', '1+1=', '--max-new-tokens', '2', '--provider', 'cpu'], WEBGPU);
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.match(flagged.stderr, /^runtime: cpu \(.*\), 1 thread, onnxruntime-node [\d.]+$/m);
  assert.doesNotMatch(flagged.stderr, /webgpu/);

  assertBadInput(
    maporl(['generate', '--model', tiny, '--prompt', 'x', '--provider', 'gpu']),
    /--provider must be auto, cpu/,
    'flag',
  );
  assertBadInput(
    maporl(['generate', '--model', tiny, '--prompt', 'x'], { [MAPORL_ENV.executionProvider]: 'gpu' }),
    /MAPORL_EXECUTION_PROVIDER="gpu" is not a provider/,
    'environment',
  );
});

test('eval and compare evaluate on the provider asked for; the comparison records what each side ran on', () => {
  const small = ['--task', 'arith', '--questions', '2', '--turns', '1', '--agents', '1', '--max-new-tokens', '4'];
  assertAskedWebgpu(maporl(['eval', '--model', tiny, ...small, '--json'], WEBGPU), 'eval');

  const r = maporl(['compare', tiny, 'tiny', ...small, '--resamples', '10', '--out', join(root, 'cmp'), '--json'], WEBGPU);
  assertAskedWebgpu(r, 'compare');
  const result = JSON.parse(r.stdout);
  for (const side of result.sides) {
    assert.equal(side.runtime.asked, 'webgpu');
    assert.equal(side.runtime.used, 'cpu');
    assert.match(side.runtime.fallback, FALLBACK);
  }
});

test('sft and prepare-agents train on the provider asked for', () => {
  const sft = maporl(
    ['sft', '--model', tiny, '--data', data, '--out', join(root, 'sft'), '--max-steps', '1', '--batch-size', '4'],
    WEBGPU,
  );
  assertAskedWebgpu(sft, 'sft');
  const prep = maporl(['prepare-agents', '--task', 'arith', '--preset', 'tiny', '--steps', '1', '--json'], WEBGPU);
  assertAskedWebgpu(prep, 'prepare-agents');
});

test('train: the base-agent stage, the team, its training and its evaluations run on the provider asked for (runtime events)', () => {
  const config = {
    ...TINY_CONFIG,
    agents: { count: 2, models: ['base-agents'] },
    baseAgents: { steps: 1, examples: 16, batchSize: 4 },
    training: { ...TINY_CONFIG.training, iterations: 1 },
    eval: { questions: 2, every: 1 },
  };
  const file = join(root, 'run.maporl.json');
  writeFileSync(file, JSON.stringify(config));
  const out = join(root, 'run');
  const r = maporl(['train', file, '--out', out], WEBGPU);
  assertAskedWebgpu(r, 'train');
  const events = lines(join(out, 'events.jsonl')).filter((e) => e.type === 'runtime');
  for (const e of events) assert.equal(validateRunEvent(e), null, JSON.stringify(e));
  const stages = events.map((e) => e.stage ?? 'run');
  assert.deepEqual([...new Set(stages)].sort(), ['base-agents', 'run'], JSON.stringify(events));
  for (const e of events) {
    assert.equal(e.asked, 'webgpu');
    assert.equal(e.used, 'cpu');
    assert.match(e.fallback, FALLBACK);
    assert.equal(e.threads, 1);
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status, 'finished');
});
