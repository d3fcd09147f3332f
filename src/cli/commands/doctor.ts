// `maporl doctor`: which execution providers this machine can start, on one screen. Each provider is
// tried in a child process of its own (`maporl doctor --probe P`), so a native abort in a GPU driver
// costs that line only, ORT's log of the hardware it found is captured from the child's stderr, and no
// provider's failure (cached per process by runtime/session.ts) colours another's.
import { spawnSync } from 'node:child_process';
import { machineFacts, parseHardwareDevices, probeProvider } from '../../engine/runtime/doctor';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../protocol/choices';
import { formatDoctorReport, type DoctorReport, type HardwareDevice, type ProviderProbe } from '../../protocol/doctor';
import { UsageError } from '../errors';
import { type Command } from './command';
import { intOption, parse } from './options';

export const doctor: Command = {
  summary: 'which ONNX Runtime execution providers (cpu, webgpu, cuda) start here, the devices found, threads, versions',
  usage:
    '[--json] [--timeout S]\n' +
    '       Tries each provider in a child process (S seconds each, default 120: a first WebGPU start compiles shaders).\n' +
    '       --json prints the report as JSON (what "MAPoRL: Check GPU" reads).',
  async run(args) {
    const { values } = parse(args, { json: { type: 'boolean' }, timeout: { type: 'string' }, probe: { type: 'string' } });
    const facts = machineFacts();
    if (values.probe !== undefined) {
      // The child: one provider, its result as the last line of stdout.
      const provider = EXECUTION_PROVIDERS.find((p) => p === values.probe);
      if (!provider) throw new UsageError(`--probe must be ${EXECUTION_PROVIDERS.join(', ')}, got "${values.probe}"`);
      process.stdout.write(`${JSON.stringify(await probeProvider(provider, facts.threads))}\n`);
      return 0;
    }
    const timeout = intOption(values.timeout, '--timeout', 120);
    if (timeout < 1) throw new UsageError(`--timeout must be at least 1 second, got "${values.timeout}"`);
    const providers: ProviderProbe[] = [];
    const devices = new Map<string, HardwareDevice>();
    for (const provider of EXECUTION_PROVIDERS) {
      const r = probeChild(provider, timeout);
      providers.push(r.probe);
      for (const d of r.devices) devices.set(JSON.stringify(d), d);
    }
    const report: DoctorReport = { ...facts, providers, devices: [...devices.values()] };
    process.stdout.write(`${values.json ? JSON.stringify(report) : formatDoctorReport(report)}\n`);
    return 0;
  },
};

/** `maporl doctor --probe P` in a child process: its probe, or why it gave none. */
function probeChild(provider: ExecutionProvider, timeoutSeconds: number): { probe: ProviderProbe; devices: HardwareDevice[] } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], 'doctor', '--probe', provider], {
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const devices = parseHardwareDevices(r.stderr ?? '');
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return { probe: JSON.parse(last) as ProviderProbe, devices };
  } catch {
    const ms = performance.now() - t0;
    const why =
      r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
        ? `no answer within ${timeoutSeconds} s`
        : r.signal
          ? `the probe was killed by ${r.signal} (a crash in the provider's native code)`
          : `the probe exited with code ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
    return { probe: { provider, starts: false, error: why, hint: null, ms }, devices };
  }
}
