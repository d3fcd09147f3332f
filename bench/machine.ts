// What the numbers were measured on.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';

export interface Machine {
  cpu: string;
  cores: number;
  flags: string;
  node: string;
  onnxruntime: string;
  platform: string;
  /** 1-minute load average when the run started: above the core count, other work shares the CPUs and the figures are noisy. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? cpu;
    const all = (/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/);
    flags = all.filter((f) => /^(avx2|avx512f|avx512_bf16|amx_tile|fma|avx_vnni)$/.test(f)).join(' ');
  } catch {
    /* not Linux: keep os.cpus() */
  }
  return {
    cpu,
    cores: cpus().length,
    flags,
    node: process.version,
    onnxruntime: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg()[0],
  };
}

/** Machine load now: the 1-minute load average and the CPU pressure (Linux: share of time some task waited, last 10 s). */
export function machineLoad(): { load1: number; cpuSome10?: number } {
  let cpuSome10: number | undefined;
  try {
    cpuSome10 = Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))![1]);
  } catch {
    cpuSome10 = undefined;
  }
  return { load1: loadavg()[0], cpuSome10 };
}
