// `maporl doctor`: which ONNX Runtime execution providers this machine can start, as the CLI prints
// it and as the extension's "MAPoRL: Check GPU" reads it (`maporl doctor --json`). Pure: types, the
// validator and the one-screen text both sides show.

import { arrayOf, bool, type Check, int, nullable, num, object, oneOf, str } from './check';
import { EXECUTION_PROVIDERS, PROVIDER_CHOICES, type ExecutionProvider, type ProviderChoice } from './choices';

/** One provider tried in a child process of its own: a one-node graph created on it alone and run. */
export interface ProviderProbe {
  provider: ExecutionProvider;
  starts: boolean;
  /** Why it did not start (ORT's reason, or the probe's crash or timeout), null when it did. */
  error: string | null;
  /** What to do about it, where we know (the CUDA provider's opt-in download). */
  hint: string | null;
  /** Session creation and one run, in milliseconds (a first WebGPU start compiles shaders). */
  ms: number;
}

/** A device ONNX Runtime's own discovery found (its info log: vendor, PCI ids, CPU/GPU/NPU). */
export interface HardwareDevice {
  type: 'cpu' | 'gpu' | 'npu' | 'unknown';
  vendor: string;
  vendorId: string;
  deviceId: string;
  /** ORT's metadata entries (e.g. a GPU's description), as `key=value`. */
  metadata: string[];
}

export interface DoctorReport {
  ortVersion: string;
  node: string;
  platform: string;
  /** The CPU's model name as the OS reports it. */
  cpu: string | null;
  cores: number;
  /** What a job started here would ask for without a config (MAPORL_EXECUTION_PROVIDER, else auto). */
  asked: ProviderChoice;
  /** Intra-op threads a job would use without a config (MAPORL_THREADS, else 0: one per physical core). */
  threads: number;
  providers: ProviderProbe[];
  devices: HardwareDevice[];
  /** What Dawn (WebGPU) needs on Linux: the Vulkan loader and a driver's ICD file. */
  vulkan: { loader: string | null; driverFiles: string[]; driverVariable: string | null };
}

const checkProbe = object({
  provider: oneOf(EXECUTION_PROVIDERS),
  starts: bool,
  error: nullable(str),
  hint: nullable(str),
  ms: num,
});
const checkReport: Check = object({
  ortVersion: str,
  node: str,
  platform: str,
  cpu: nullable(str),
  cores: int(0),
  asked: oneOf(PROVIDER_CHOICES),
  threads: int(0),
  providers: arrayOf(checkProbe),
  devices: arrayOf(
    object({ type: oneOf(['cpu', 'gpu', 'npu', 'unknown']), vendor: str, vendorId: str, deviceId: str, metadata: arrayOf(str) }),
  ),
  vulkan: object({ loader: nullable(str), driverFiles: arrayOf(str), driverVariable: nullable(str) }),
});

/** Null when `x` is a DoctorReport; else the JSON path of the first problem. */
export const validateDoctorReport = (x: unknown): string | null => checkReport(x, '');

/** The GPU providers that start: what a `webgpu` or `cuda` job would run on. */
export const gpuProviders = (r: DoctorReport): ExecutionProvider[] =>
  r.providers.filter((p) => p.starts && p.provider !== 'cpu').map((p) => p.provider);

/** The notification of "MAPoRL: Check GPU": which GPU providers start, or why neither does. */
export function doctorVerdict(r: DoctorReport): { ok: boolean; text: string } {
  const gpus = gpuProviders(r);
  if (gpus.length)
    return {
      ok: true,
      text: `${gpus.join(' and ')} start${gpus.length === 1 ? 's' : ''} on this machine (details in the engine log).`,
    };
  const why = r.providers
    .filter((p) => p.provider !== 'cpu')
    .map((p) => `${p.provider}: ${p.error ?? 'did not start'}`)
    .join('; ');
  return { ok: false, text: `no GPU provider starts on this machine, jobs run on the CPU (${why}).` };
}

/** The report on one screen. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `onnxruntime-node ${r.ortVersion}, Node ${r.node}, ${r.platform}`,
    `CPU: ${r.cpu ?? 'unknown'}, ${r.cores} cores; jobs without a config ask for ${r.asked}, ${r.threads ? `${r.threads} threads` : 'one thread per core'}`,
    '',
    'provider  starts  time      detail',
  ];
  for (const p of r.providers) {
    // ORT's Node binding does not name the WebGPU adapter; the Vulkan drivers below say which one Dawn can use.
    const adapter = p.provider === 'webgpu' && p.starts ? 'adapter not named by ONNX Runtime (Vulkan drivers below)' : null;
    const detail = [p.error, p.hint, adapter].filter(Boolean).join(' — ');
    lines.push(
      `${p.provider.padEnd(8)}  ${(p.starts ? 'yes' : 'no').padEnd(6)}  ${`${Math.round(p.ms)} ms`.padEnd(8)}  ${detail}`.trimEnd(),
    );
  }
  lines.push('');
  const devices = r.devices.map(
    (d) => `${d.type} ${d.vendor} (${d.vendorId}:${d.deviceId})${d.metadata.length ? ` ${d.metadata.join(', ')}` : ''}`,
  );
  lines.push(`devices ONNX Runtime found: ${devices.length ? devices.join('; ') : 'none reported'}`);
  if (r.platform.startsWith('linux')) {
    const drivers = r.vulkan.driverFiles.length ? r.vulkan.driverFiles.join(', ') : 'none';
    lines.push(
      `Vulkan (WebGPU's backend here): loader ${r.vulkan.loader ?? 'not found (libvulkan.so.1)'}; drivers: ${drivers}` +
        (r.vulkan.driverVariable ? ` (from ${r.vulkan.driverVariable})` : ''),
    );
  }
  const gpus = gpuProviders(r);
  lines.push(
    gpus.length
      ? `GPU: ${gpus.join(' and ')} start${gpus.length === 1 ? 's' : ''} here; set runtime.executionProvider (or the maporl.executionProvider setting) to use it.`
      : 'GPU: no GPU provider starts here; jobs that ask for one run on the CPU and say so.',
  );
  return lines.join('\n');
}
