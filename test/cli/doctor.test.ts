// `maporl doctor` as a user runs it: every provider tried in a child process of its own, the report
// valid JSON for the extension's "Check GPU", WebGPU reported as starting where a Vulkan driver
// Dawn accepts is present (SwiftShader, as in webgpuParity.test.ts) and as not starting, with ORT's
// reason, where none is; and ORT's hardware-discovery log lines read into devices.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { parseHardwareDevices } from '../../src/engine/runtime/doctor';
import { doctorVerdict, formatDoctorReport, validateDoctorReport, type DoctorReport } from '../../src/protocol/doctor';
import { MAPORL_ENV } from '../../src/protocol/environment';
import { maporl } from './run';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function report(env: Record<string, string | undefined>): DoctorReport {
  const r = maporl(['doctor', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout);
  assert.equal(validateDoctorReport(parsed), null);
  return parsed;
}

test('doctor tries cpu, webgpu and cuda; without a Vulkan driver WebGPU does not start and says why', () => {
  const r = report({
    VK_DRIVER_FILES: '/no/such/driver.json',
    VK_ICD_FILENAMES: undefined,
    [MAPORL_ENV.executionProvider]: 'webgpu',
  });
  assert.deepEqual(
    r.providers.map((p) => p.provider),
    ['cpu', 'webgpu', 'cuda'],
  );
  const [cpu, webgpu] = r.providers;
  assert.equal(cpu.starts, true);
  assert.equal(webgpu.starts, false);
  assert.match(webgpu.error ?? '', /WebGPU adapter/);
  assert.match(r.ortVersion, /^1\.\d+\.\d+$/);
  assert.equal(r.asked, 'webgpu', 'what a job here would ask for');
  assert.deepEqual(r.vulkan.driverFiles, ['/no/such/driver.json']);
  assert.ok(
    r.devices.some((d) => d.type === 'cpu'),
    'ORT reports the CPU it found',
  );

  const text = maporl(['doctor'], { VK_DRIVER_FILES: '/no/such/driver.json' });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^cpu {7}yes/m);
  assert.match(text.stdout, /^webgpu {4}no .*WebGPU adapter/m);
  assert.match(text.stdout, /^GPU: no GPU provider starts here/m);
});

test('doctor reports WebGPU as starting on a Vulkan driver Dawn accepts (SwiftShader)', () => {
  assert.ok(existsSync(SWIFTSHADER_ICD), `${SWIFTSHADER_ICD} missing: scripts/install-test-deps.sh installs Debian's chromium`);
  const r = report({ VK_DRIVER_FILES: SWIFTSHADER_ICD, VK_ICD_FILENAMES: undefined });
  const webgpu = r.providers.find((p) => p.provider === 'webgpu');
  assert.equal(webgpu?.starts, true, webgpu?.error ?? '');
});

test("ORT's hardware-discovery lines become devices (a GPU with its metadata, duplicates once)", () => {
  const log = [
    '2026-12-07 11:06:03.43 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x1022, device_id:0x0, vendor:AMD, type:0, metadata: []}',
    '2026-12-07 11:06:03.43 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x10de, device_id:0x2330, vendor:NVIDIA, type:1, metadata: [Description=NVIDIA H100 80GB HBM3, Discrete=1]}',
    'unrelated line',
    '2026-12-07 11:06:03.44 [I:onnxruntime:onnxruntime-node, device_discovery_common.cc:34 operator()] Discovered OrtHardwareDevice {vendor_id:0x1022, device_id:0x0, vendor:AMD, type:0, metadata: []}',
  ].join('\n');
  assert.deepEqual(parseHardwareDevices(log), [
    { type: 'cpu', vendor: 'AMD', vendorId: '0x1022', deviceId: '0x0', metadata: [] },
    {
      type: 'gpu',
      vendor: 'NVIDIA',
      vendorId: '0x10de',
      deviceId: '0x2330',
      metadata: ['Description=NVIDIA H100 80GB HBM3', 'Discrete=1'],
    },
  ]);
});

test('Check GPU tells which GPU providers start, or why none does', () => {
  const base = report({ VK_DRIVER_FILES: '/no/such/driver.json', VK_ICD_FILENAMES: undefined });
  const none = doctorVerdict(base);
  assert.equal(none.ok, false);
  assert.match(none.text, /^no GPU provider starts on this machine, jobs run on the CPU \(webgpu: .*WebGPU adapter.*; cuda: /);
  const withWebgpu = {
    ...base,
    providers: base.providers.map((p) => (p.provider === 'webgpu' ? { ...p, starts: true, error: null } : p)),
  };
  assert.deepEqual(doctorVerdict(withWebgpu), { ok: true, text: 'webgpu starts on this machine (details in the engine log).' });
  assert.match(formatDoctorReport(withWebgpu), /^webgpu {4}yes .*adapter not named by ONNX Runtime/m);
});
