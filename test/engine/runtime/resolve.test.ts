// One runtime resolution for every job (runtime/resolve.ts): which of flag, config and environment
// wins for each field, that a bad environment value is refused, and that what the sessions ran on is
// reported once per distinct outcome as a valid `runtime` run event, a fallback with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../../src/engine/graph/graph';
import * as F from '../../../src/engine/graph/ops';
import { serialize } from '../../../src/engine/graph/serialize';
import { parseConfig } from '../../../src/engine/maporl/config';
import { resolveChoice, resolveRuntime, RuntimeChoiceError } from '../../../src/engine/runtime/resolve';
import { Session } from '../../../src/engine/runtime/session';
import { MAPORL_ENV } from '../../../src/protocol/environment';
import { describeRuntime, validateRunEvent, type RuntimeInfo } from '../../../src/protocol/runRecords';

const env = { [MAPORL_ENV.executionProvider]: 'webgpu', [MAPORL_ENV.threads]: '3' };

test('the environment (VS Code settings) applies where the config keeps its defaults; flags win over both', () => {
  const config = (runtime: object) => parseConfig({ runtime }).runtime;
  assert.deepEqual(resolveChoice({ config: config({}), env }), {
    executionProvider: 'webgpu',
    threads: 3,
    frozenWeights: 'auto',
  });
  assert.deepEqual(resolveChoice({ config: config({ executionProvider: 'cpu', threads: 1, frozenWeights: 'fed' }), env }), {
    executionProvider: 'cpu',
    threads: 1,
    frozenWeights: 'fed',
  });
  assert.deepEqual(resolveChoice({ config: config({}), env: {} }), {
    executionProvider: 'auto',
    threads: 0,
    frozenWeights: 'auto',
  });
  // Commands without a config (generate, logprobs, sft, base models in eval/compare) take the environment.
  assert.deepEqual(resolveChoice({ env }), { executionProvider: 'webgpu', threads: 3, frozenWeights: 'auto' });
  assert.deepEqual(
    resolveChoice({ config: config({ executionProvider: 'cuda' }), flags: { executionProvider: 'cpu', threads: 2 }, env }),
    { executionProvider: 'cpu', threads: 2, frozenWeights: 'auto' },
  );
});

test('a provider or thread count in the environment that means nothing is refused, naming the variable', () => {
  assert.throws(
    () => resolveChoice({ env: { [MAPORL_ENV.executionProvider]: 'gpu' } }),
    (e: unknown) => e instanceof RuntimeChoiceError && /MAPORL_EXECUTION_PROVIDER="gpu" is not a provider/.test(e.message),
  );
  assert.throws(() => resolveChoice({ env: { [MAPORL_ENV.threads]: 'many' } }), RuntimeChoiceError);
});

function doubler(): Uint8Array {
  const g = new Graph('doubler');
  g.output('y', F.mul(g.input('x', 'float32', ['N']), 2));
  return serialize(g);
}

test('the requested provider reaches Session.create and what ran is reported once, as a valid runtime event', async () => {
  const reports: RuntimeInfo[] = [];
  const runtime = resolveRuntime({ env }, { report: (r) => reports.push(r), stage: 'probe' });
  const sessions = [await Session.create(doubler(), runtime), await Session.create(doubler(), runtime)];
  assert.equal(reports.length, 1, 'two sessions with the same outcome: one report');
  const [r] = reports;
  assert.equal(r.asked, 'webgpu');
  assert.equal(r.used, sessions[0].provider);
  // On a machine without a WebGPU adapter the session falls back, and says why; with one, it runs there.
  if (r.used === 'cpu') assert.match(r.fallback ?? '', /execution provider "webgpu" is not available \(.+\); using CPU/);
  else assert.equal(r.fallback, null);
  assert.equal(r.threads, 3);
  assert.match(r.ortVersion, /^\d+\.\d+\.\d+/);
  assert.equal(r.stage, 'probe');
  assert.equal(validateRunEvent({ type: 'runtime', step: 0, time: new Date().toISOString(), ...r }), null);
  assert.match(
    describeRuntime(r),
    /^probe: (cpu.*asked for webgpu, 3 threads, onnxruntime-node .* — execution provider "webgpu"|webgpu)/,
  );
  await Promise.all(sessions.map((s) => s.release()));
});

test('a CPU session reports the CPU it ran on; a runtime event without its fields is refused', async () => {
  const reports: RuntimeInfo[] = [];
  const s = await Session.create(
    doubler(),
    resolveRuntime({ flags: { executionProvider: 'cpu', threads: 1 } }, { report: (r) => reports.push(r) }),
  );
  assert.deepEqual(
    reports.map((r) => [r.asked, r.used, r.fallback, r.threads]),
    [['cpu', 'cpu', null, 1]],
  );
  assert.equal(typeof reports[0].device, 'string');
  assert.equal(reports[0].stage, undefined);
  await s.release();
  const time = new Date().toISOString();
  assert.match(validateRunEvent({ type: 'runtime', step: 0, time, asked: 'cpu' }) ?? '', /^used: /);
  assert.match(
    validateRunEvent({ type: 'runtime', step: 0, time, ...reports[0], used: 'auto' }) ?? '',
    /^used: expected one of cpu\|webgpu\|cuda/,
  );
});
