// What ran, as the host shows it: `runtime` events fold into the run's state (the latest, but a
// fallback to the CPU stays shown once reported), reach the dashboard's header (checked on arrival like
// every message), and give the status bar a warning with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeBadge, foldRuntime } from '../../src/extension/runData/runtimeState';
import { emptyRunState, foldEvent, readRunEvent } from '../../src/extension/runData/runState';
import type { RuntimeEvent, RuntimeInfo } from '../../src/protocol/runRecords';
import { isHostToWebview, type RunHeader } from '../../src/protocol/webview';

const cpu: RuntimeInfo = { asked: 'auto', used: 'cpu', fallback: null, device: 'AMD EPYC', threads: 0, ortVersion: '1.30.0' };
const fellBack: RuntimeInfo = {
  ...cpu,
  asked: 'webgpu',
  fallback: 'execution provider "webgpu" is not available (Failed to get a WebGPU adapter: No supported adapters); using CPU',
  stage: 'base-agents',
};
const event = (info: RuntimeInfo, step = 0): RuntimeEvent => ({
  type: 'runtime',
  step,
  time: new Date(1000 * step).toISOString(),
  ...info,
});

test('runtime events fold into the state only after validation; a fallback stays shown once reported', () => {
  const state = emptyRunState();
  assert.equal(state.runtime, null);
  const bad = readRunEvent({ ...event(cpu), used: 'tpu' });
  assert.match(bad.problem ?? '', /^used: expected one of cpu\|webgpu\|cuda/);

  for (const info of [cpu, fellBack, { ...cpu, asked: 'webgpu' as const }]) {
    const { event: ev, problem } = readRunEvent(event(info, 1));
    assert.equal(problem, null);
    foldEvent(state, ev!);
  }
  assert.deepEqual(state.runtime, fellBack, 'a later session on the CPU does not hide the fallback');
  assert.deepEqual(
    foldRuntime(cpu, { ...cpu, used: 'webgpu', asked: 'webgpu' }).used,
    'webgpu',
    'without a fallback the latest wins',
  );
});

test('the status bar names the provider, and a fallback as a warning with its reason in the tooltip', () => {
  assert.equal(runtimeBadge(null), null);
  assert.deepEqual(runtimeBadge(cpu), {
    text: 'cpu',
    tooltip: 'ran on cpu (AMD EPYC), one thread per core, onnxruntime-node 1.30.0',
    warning: false,
  });
  const b = runtimeBadge(fellBack)!;
  assert.equal(b.warning, true);
  assert.equal(b.text, '$(warning) cpu (webgpu unavailable)');
  assert.match(
    b.tooltip,
    /^ran on base-agents: cpu \(AMD EPYC\), asked for webgpu, .* — execution provider "webgpu" is not available \(Failed to get a WebGPU adapter/,
  );
});

test("the dashboard's header carries what ran, checked on arrival", () => {
  const header: RunHeader = {
    runDir: '/r',
    name: 'r',
    status: 'running',
    step: 0,
    totalSteps: 4,
    startedAt: null,
    updatedAt: null,
    etaSeconds: null,
    executionProvider: 'webgpu',
    runtime: fellBack,
    message: null,
    config: [],
  };
  const msg = { type: 'snapshot', header, metrics: [], evalMetrics: [], transcripts: [] };
  assert.equal(isHostToWebview(msg), true);
  assert.equal(isHostToWebview({ ...msg, header: { ...header, runtime: { ...fellBack, fallback: 3 } } }), false);
  const { runtime: _r, ...before } = header; // a run that has not reported yet
  assert.equal(isHostToWebview({ ...msg, header: before }), true);
});
