// What `maporl doctor` finds out, each provider in a child process of its own (src/cli/commands/
// doctor.ts): whether a one-node graph starts and runs on that provider alone, the devices ONNX
// Runtime's own discovery reports (its info log on stderr: the Node binding has no API for them), and
// what Dawn needs to find a GPU on Linux (the Vulkan loader and a driver's ICD file).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../protocol/choices';
import type { DoctorReport, HardwareDevice, ProviderProbe } from '../../protocol/doctor';
import { Graph } from '../graph/graph';
import * as F from '../graph/ops';
import { serialize } from '../graph/serialize';
import { cpuName, ortVersion, resolveChoice } from './resolve';
import { cudaInstalled, firstLine } from './session';

const CUDA_HINT = 'the CUDA provider is an opt-in download: npm install --onnxruntime-node-install=cuda12 (README, "GPU")';

/**
 * Creates y = 2x on `provider` alone (no CPU fallback) and runs it. ORT logs at info level, so this
 * process's stderr carries its hardware discovery (parseHardwareDevices); run it in a child process.
 */
export async function probeProvider(provider: ExecutionProvider, threads: number): Promise<ProviderProbe> {
  ort.env.logLevel = 'info'; // before the first session: the environment (and its device discovery) logs at this level
  const g = new Graph('doctor');
  g.output('y', F.mul(g.input('x', 'float32', ['N']), 2));
  const t0 = performance.now();
  const hint = provider === 'cuda' && !cudaInstalled() ? CUDA_HINT : null;
  try {
    const session = await ort.InferenceSession.create(serialize(g), {
      executionProviders: [provider],
      intraOpNumThreads: threads,
      logSeverityLevel: 3,
    });
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [3]) });
    await session.release();
    const ok = Array.from(y.data as Float32Array).join() === '2,4,6';
    return { provider, starts: ok, error: ok ? null : 'ran, but computed a wrong result', hint, ms: performance.now() - t0 };
  } catch (err) {
    return { provider, starts: false, error: firstLine(err), hint, ms: performance.now() - t0 };
  }
}

const DEVICE_TYPES: Record<string, HardwareDevice['type']> = { '0': 'cpu', '1': 'gpu', '2': 'npu' };

/** Devices from ORT's "Discovered OrtHardwareDevice {vendor_id:0x10de, device_id:0x2330, vendor:NVIDIA, type:1, metadata: [...]}" lines. */
export function parseHardwareDevices(log: string): HardwareDevice[] {
  const found = new Map<string, HardwareDevice>();
  for (const m of log.matchAll(/Discovered OrtHardwareDevice \{(.*)\}\s*$/gm)) {
    const field = (name: string) => new RegExp(`(?:^|, )${name}:([^,\\]]*)`).exec(m[1])?.[1].trim() ?? '';
    const metadata = /metadata: \[(.*)\]/.exec(m[1])?.[1].trim();
    const d: HardwareDevice = {
      type: DEVICE_TYPES[field('type')] ?? 'unknown',
      vendor: field('vendor') || 'unknown vendor',
      vendorId: field('vendor_id'),
      deviceId: field('device_id'),
      metadata: metadata ? metadata.split(/,\s*/).filter(Boolean) : [],
    };
    found.set(JSON.stringify(d), d);
  }
  return [...found.values()];
}

const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** The Vulkan loader and the driver ICD files the loader would read (the variables first, as it does). */
export function vulkanFacts(env: NodeJS.ProcessEnv = process.env): DoctorReport['vulkan'] {
  const libDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LOADER_DIRS];
  const loader = libDirs.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => fs.existsSync(f)) ?? null;
  const variable = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'].find((v) => env[v]) ?? null;
  const driverFiles = variable
    ? (env[variable] as string).split(':').filter(Boolean)
    : ICD_DIRS.flatMap((d) =>
        (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.json')) : []).map((f) => path.join(d, f)),
      );
  return { loader, driverFiles, driverVariable: variable };
}

/** Everything but the probes: versions, the CPU, what a job here would ask for, the Vulkan facts. */
export function machineFacts(env: NodeJS.ProcessEnv = process.env): Omit<DoctorReport, 'providers' | 'devices'> {
  const choice = resolveChoice({ env });
  return {
    ortVersion: ortVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpuName(),
    cores: os.availableParallelism(),
    asked: choice.executionProvider,
    threads: choice.threads,
    vulkan: vulkanFacts(env),
  };
}
