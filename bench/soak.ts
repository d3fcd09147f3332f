// `npm run bench -- --soak MINUTES`: `maporl train` for MINUTES (tiny agents, ground-truth verifier,
// a checkpoint and an evaluation every few iterations, so that every part of a long run recurs), the
// command users run, in a process of its own. A probe loaded into it with `node --require` samples
// it every 10 s: resident memory, V8 heap, memory outside the heap (external, array buffers), open
// file descriptors, live ONNX Runtime sessions, iterations done. When the time is up the run gets
// SIGTERM (what Stop Training sends) and checkpoints. The report gives each measure's least-squares
// slope per hour over the samples after the first tenth of the run (warm-up: sessions are created,
// arenas grow). A leak shows as a steady positive slope; descriptors and sessions should not move.
//
// Options: --soak MINUTES (or --soak=MINUTES), --soak-interval=SECONDS (default 10), --threads=N
// (default 2), --json (one JSON object on stdout), --keep (keep the run directory and samples.jsonl).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface SoakSample {
  /** Seconds since training started. */
  t: number;
  iteration: number;
  rssMB: number;
  heapUsedMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  fds: number;
  sessions: number;
}

export interface SoakReport {
  minutes: number;
  iterations: number;
  samples: SoakSample[];
  /** Least-squares slope per hour of each measure, over the samples after the warm-up. */
  slopePerHour: Record<Exclude<keyof SoakSample, 't' | 'iteration'>, number>;
  /** First and last measured value after the warm-up. */
  range: Record<Exclude<keyof SoakSample, 't' | 'iteration'>, [number, number]>;
}

const MEASURES = ['rssMB', 'heapUsedMB', 'externalMB', 'arrayBuffersMB', 'fds', 'sessions'] as const;

interface SoakOptions {
  minutes: number;
  intervalS: number;
  threads: number;
  json: boolean;
  keep: boolean;
}

function parseSoakOptions(argv: string[]): SoakOptions {
  const o: SoakOptions = { minutes: NaN, intervalS: 10, threads: 2, json: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = argv[i].split('=');
    const num = (x: string | undefined) => {
      const n = Number(x);
      if (!(n > 0)) throw new Error(`bench: ${k} needs a positive number, got "${x ?? ''}"`);
      return n;
    };
    if (k === '--soak') o.minutes = num(v ?? argv[++i]);
    else if (k === '--soak-interval') o.intervalS = num(v);
    else if (k === '--threads') o.threads = num(v);
    else if (k === '--json') o.json = true;
    else if (k === '--keep') o.keep = true;
    else throw new Error(`bench: ${argv[i]} is not a soak option (see bench/soak.ts)`);
  }
  if (!(o.minutes > 0)) throw new Error('bench: --soak needs a number of minutes');
  return o;
}

/**
 * The probe, loaded into the training process: counts ONNX Runtime sessions from creation to release
 * and appends a sample to MAPORL_SOAK_SAMPLES every MAPORL_SOAK_INTERVAL seconds. Plain CommonJS.
 */
const PROBE = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ort = require(process.env.MAPORL_SOAK_ORT); // the module instance the engine loads
let live = 0;
const create = ort.InferenceSession.create.bind(ort.InferenceSession);
ort.InferenceSession.create = async (...args) => {
  const session = await create(...args);
  live++;
  const release = session.release.bind(session);
  let released = false;
  session.release = async () => { if (!released) live--; released = true; return release(); };
  return session;
};
const out = process.env.MAPORL_SOAK_SAMPLES, events = path.join(process.env.MAPORL_SOAK_RUN, 'events.jsonl');
let iteration = 0, offset = 0;
const t0 = Date.now(), MB = 1024 * 1024;
function iterations() {
  try {
    const size = fs.statSync(events).size;
    if (size <= offset) return iteration;
    const fd = fs.openSync(events, 'r');
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\\n') + 1;
    offset += Buffer.byteLength(text.slice(0, end));
    for (const line of text.slice(0, end).split('\\n')) if (line.includes('"split":"train"') && line.includes('"type":"metrics"')) iteration++;
  } catch {}
  return iteration;
}
setInterval(() => {
  const m = process.memoryUsage();
  let fds = NaN;
  try { fds = fs.readdirSync('/proc/self/fd').length; } catch {}
  const s = { t: (Date.now() - t0) / 1000, iteration: iterations(), rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, externalMB: m.external / MB, arrayBuffersMB: m.arrayBuffers / MB, fds, sessions: live };
  fs.appendFileSync(out, JSON.stringify(s) + '\\n');
}, Number(process.env.MAPORL_SOAK_INTERVAL) * 1000).unref();
`;

/** Least-squares slope of y against x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n,
    my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

export function soakReport(minutes: number, samples: SoakSample[]): SoakReport {
  const settled = samples.filter((s) => s.t >= (minutes * 60) / 10);
  const use = settled.length >= 2 ? settled : samples;
  const hours = use.map((s) => s.t / 3600);
  const slopePerHour = Object.fromEntries(
    MEASURES.map((k) => [
      k,
      slope(
        hours,
        use.map((s) => s[k]),
      ),
    ]),
  ) as SoakReport['slopePerHour'];
  const range = Object.fromEntries(
    MEASURES.map((k) => [k, [use[0]?.[k] ?? NaN, use[use.length - 1]?.[k] ?? NaN]]),
  ) as SoakReport['range'];
  return { minutes, iterations: samples[samples.length - 1]?.iteration ?? 0, samples, slopePerHour, range };
}

export function formatSoak(r: SoakReport): string {
  const unit: Record<(typeof MEASURES)[number], string> = {
    rssMB: 'MB',
    heapUsedMB: 'MB',
    externalMB: 'MB',
    arrayBuffersMB: 'MB',
    fds: '',
    sessions: '',
  };
  const name: Record<(typeof MEASURES)[number], string> = {
    rssMB: 'resident memory',
    heapUsedMB: 'V8 heap used',
    externalMB: 'external (C++) memory',
    arrayBuffersMB: 'array buffers',
    fds: 'open file descriptors',
    sessions: 'live ORT sessions',
  };
  const rows = MEASURES.map((k) => {
    const [a, b] = r.range[k];
    const f = (x: number) => (unit[k] ? x.toFixed(1) : String(x));
    return `  ${name[k].padEnd(22)} ${`${f(a)} -> ${f(b)} ${unit[k]}`.padEnd(24)} ${`${r.slopePerHour[k] >= 0 ? '+' : ''}${r.slopePerHour[k].toFixed(2)} ${unit[k]}/h`}`;
  });
  return [
    `soak: ${r.minutes} min of MAPoRL training, ${r.iterations} iterations, ${r.samples.length} samples (slopes after the first tenth)`,
    `  ${'measure'.padEnd(22)} ${'after warm-up -> end'.padEnd(24)} slope per hour`,
    ...rows,
  ].join('\n');
}

/** dist/cli.js, next to the bundle (dist/bench.js) or from the sources (bench/soak.ts under tsx). */
function cliPath(): string {
  const found = [path.join(__dirname, 'cli.js'), path.join(__dirname, '..', 'dist', 'cli.js')].find((f) => fs.existsSync(f));
  if (!found) throw new Error('bench: dist/cli.js not found (npm run build)');
  return found;
}

export async function runSoak(argv: string[]): Promise<void> {
  const o = parseSoakOptions(argv);
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-soak-'));
  const out = path.join(dir, 'run'),
    samplesFile = path.join(dir, 'samples.jsonl'),
    configFile = path.join(dir, 'soak.maporl.json');
  // More iterations than the time allows: the run is stopped when the time is up.
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      name: 'soak',
      seed: 1,
      task: { type: 'arith', nTrain: 512, nTest: 8 },
      agents: { count: 2 },
      discussion: { turns: 2 },
      verifier: { type: 'ground-truth' },
      generation: { maxNewTokens: 16, temperature: 1 },
      training: {
        iterations: 1_000_000,
        questionsPerIteration: 8,
        samplesPerQuestion: 2,
        ppo: { minibatchSize: 8, epochs: 1, lr: 1e-4 },
      },
      eval: { questions: 4, every: 10 },
      checkpoint: { every: 5 },
      runtime: { executionProvider: 'cpu', threads: o.threads },
    }),
  );
  fs.writeFileSync(path.join(dir, 'probe.cjs'), PROBE);
  const child = spawn(
    process.execPath,
    ['--require', path.join(dir, 'probe.cjs'), cliPath(), 'train', configFile, '--out', out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        MAPORL_SOAK_SAMPLES: samplesFile,
        MAPORL_SOAK_RUN: out,
        MAPORL_SOAK_INTERVAL: String(o.intervalS),
        MAPORL_SOAK_ORT: require.resolve('onnxruntime-node'),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let shown = 0;
  const progress = setInterval(() => {
    if (o.json || !fs.existsSync(samplesFile)) return;
    const lines = fs.readFileSync(samplesFile, 'utf8').trim().split('\n');
    for (const line of lines.slice(shown)) {
      const s = JSON.parse(line) as SoakSample;
      process.stderr.write(
        `soak ${s.t.toFixed(0)} s, iteration ${s.iteration}: rss ${s.rssMB.toFixed(1)} MB, heap ${s.heapUsedMB.toFixed(1)} MB, fds ${s.fds}, sessions ${s.sessions}\n`,
      );
    }
    shown = lines.length;
  }, 1000);
  const stop = setTimeout(() => child.kill('SIGTERM'), o.minutes * 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(stop);
  clearInterval(progress);
  if (code !== 0) throw new Error(`bench: the soak's training exited with ${code}:\n${stderr}`);
  const samples = fs.existsSync(samplesFile)
    ? fs
        .readFileSync(samplesFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as SoakSample)
    : [];
  const report = soakReport(o.minutes, samples);
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
  else console.log(formatSoak(report));
  if (o.keep) process.stderr.write(`kept ${dir} (run/ and samples.jsonl)\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
