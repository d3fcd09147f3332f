// Engine jobs as child processes of the extension host (`child_process.fork` of the bundled CLI), so a
// crash or a native abort of onnxruntime never takes the host down. Several may run at once.
//
// A training job is detached and writes its stdout/stderr to a log file beside the run (runData/jobFile.ts): it
// survives a window reload (the next window follows it from its files), and its log is still there
// after a crash. Its pid goes to a job file so any window can stop it. Events and transcripts arrive over IPC as
// `{kind: 'event', event}` / `{kind: 'transcript', record}` (the same objects the engine appends to
// events.jsonl / transcripts.jsonl). Stop = SIGTERM (the engine checkpoints and exits 0), then SIGKILL
// after `killTimeoutMs`. Node only, no vscode.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { RUN_STATUSES, type RunStatus } from '../../protocol/runRecords';
import { LineTail } from '../runData/jsonlTail';
import { Emitter } from '../util/emitter';
import { isProcessAlive, jobFilesOf, readJobFile, writeJobFile } from '../runData/jobFile';
import { initialJobState, jobReducer, type JobAction, type JobState } from './jobState';

export interface JobSpec {
  /** `prepare`: base agents by SFT (`maporl prepare-agents`), whose command reports its progress and end. */
  /** `compare`: a checkpoint comparison, whose panel reports its progress and end (compare/compareJob.ts). */
  /** `sweep`: `maporl sweep` (the local scheduler, or a Slurm submission) and `sweep cancel`; the Sweeps view follows the runs. */
  kind: 'train' | 'eval' | 'compare' | 'prepare' | 'sweep';
  /** Shown in notifications and the status bar. */
  label: string;
  /** Arguments after the CLI path, e.g. ['train', CONFIG, '--out', RUNDIR]. */
  args: string[];
  cwd: string;
  /** Extra environment (execution provider, threads). */
  env?: Record<string, string>;
  /** Training jobs: the run directory (created by the engine); the log and job file go beside it. */
  runDir?: string;
}

export interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  readonly startedAt: number;
  state: JobState;
  pid: number | undefined;
  /** The last LOG_TAIL lines of output, for the error shown after a crash. */
  logTail: string[];
}

export interface JobMessage {
  job: Job;
  payload: unknown;
}

const LOG_TAIL = 40;

export interface JobManagerOptions {
  /** The bundled engine, dist/cli.js. */
  cliPath: string;
  killTimeoutMs: number;
  /** How often a detached job's log file is read for new lines. */
  logPollMs?: number;
}

export class JobManager {
  readonly onDidChange = new Emitter<Job>();
  readonly onEvent = new Emitter<JobMessage>();
  readonly onTranscript = new Emitter<JobMessage>();
  readonly onLog = new Emitter<{ job: Job; line: string; stream: 'stdout' | 'stderr' | 'log' }>();
  readonly onDidExit = new Emitter<Job>();
  private readonly live = new Map<number, { job: Job; child: ChildProcess; exited: Promise<void>; killTimer?: NodeJS.Timeout }>();
  private nextId = 1;

  constructor(private readonly options: JobManagerOptions) {}

  jobs(): Job[] {
    return [...this.live.values()].map((l) => l.job);
  }

  byRunDir(runDir: string): Job | undefined {
    return this.jobs().find((j) => j.spec.runDir === runDir);
  }

  start(spec: JobSpec): Job {
    const job: Job = { id: this.nextId++, spec, startedAt: Date.now(), state: initialJobState(), pid: undefined, logTail: [] };
    let logFd: number | undefined;
    let logTail: LineTail | undefined;
    if (spec.runDir) {
      const { folder, log: logPath } = jobFilesOf(spec.runDir);
      mkdirSync(folder, { recursive: true });
      logFd = openSync(logPath, 'a');
      logTail = new LineTail(logPath);
      logTail.read(); // skip what an earlier job of this run wrote
    }
    const child = fork(this.options.cliPath, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [], // not the extension host's inspector flags
      stdio: logFd !== undefined ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: logFd !== undefined,
    });
    if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
    job.pid = child.pid;
    if (spec.runDir && child.pid)
      writeJobFile(spec.runDir, { pid: child.pid, startedAt: new Date(job.startedAt).toISOString(), args: spec.args });

    const readLog = () => {
      for (const { text } of logTail?.read().lines ?? []) this.logLine(job, text, 'log');
    };
    const logTimer = logTail ? setInterval(readLog, this.options.logPollMs ?? 300) : undefined;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    splitLines(child.stdout, (l) => this.logLine(job, l, 'stdout'));
    splitLines(child.stderr, (l) => this.logLine(job, l, 'stderr'));

    child.on('message', (msg) => this.onMessage(job, msg));
    const exited = new Promise<void>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        const entry = this.live.get(job.id);
        if (!entry) return;
        if (logTimer) clearInterval(logTimer);
        readLog();
        if (entry.killTimer) clearTimeout(entry.killTimer);
        this.live.delete(job.id);
        this.dispatch(job, { type: 'exit', code, signal });
        this.onDidExit.fire(job);
        resolve();
      };
      child.on('exit', finish);
      child.on('error', (err) => {
        this.logLine(job, `could not run the engine: ${err.message}`, 'stderr');
        if (child.pid === undefined) finish(null, null);
      });
    });
    this.live.set(job.id, { job, child, exited });
    this.onDidChange.fire(job);
    return job;
  }

  /** SIGTERM now, SIGKILL if the job is still there after `killTimeoutMs`; resolves when it has exited. */
  stop(id: number, killTimeoutMs = this.options.killTimeoutMs): Promise<void> {
    const entry = this.live.get(id);
    if (!entry) return Promise.resolve();
    if (!entry.job.state.stopRequested) {
      this.dispatch(entry.job, { type: 'stop' });
      entry.child.kill('SIGTERM');
      entry.killTimer = setTimeout(() => {
        if (!this.live.has(id)) return;
        this.dispatch(entry.job, { type: 'kill' });
        entry.child.kill('SIGKILL');
      }, killTimeoutMs);
    }
    return entry.exited;
  }

  /** Extension deactivation: training jobs keep running (the next window follows them); eval jobs end. */
  dispose(): void {
    for (const { job, child } of this.live.values()) {
      if (job.spec.kind === 'train') {
        child.unref(); // its IPC channel closes with this process; the engine must not send after that
      } else {
        child.kill('SIGTERM');
      }
    }
    this.live.clear();
  }

  private onMessage(job: Job, msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { kind?: unknown; event?: unknown; record?: unknown };
    this.dispatch(job, { type: 'message' });
    if (m.kind === 'event' && typeof m.event === 'object' && m.event !== null) {
      const ev = m.event as { type?: unknown; status?: unknown; level?: unknown; message?: unknown };
      if (ev.type === 'status' && (RUN_STATUSES as readonly unknown[]).includes(ev.status)) {
        this.dispatch(job, { type: 'status', status: ev.status as RunStatus });
      }
      this.onEvent.fire({ job, payload: m.event });
    } else if (m.kind === 'transcript') {
      this.onTranscript.fire({ job, payload: m.record });
    }
  }

  private dispatch(job: Job, action: JobAction): void {
    const next = jobReducer(job.state, action);
    if (next === job.state) return;
    const changed = next.phase !== job.state.phase || next.reported !== job.state.reported || next.outcome !== job.state.outcome;
    job.state = next;
    if (changed) this.onDidChange.fire(job);
  }

  private logLine(job: Job, line: string, stream: 'stdout' | 'stderr' | 'log'): void {
    job.logTail.push(line);
    if (job.logTail.length > LOG_TAIL) job.logTail.shift();
    this.onLog.fire({ job, line, stream });
  }
}

function splitLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}

/**
 * Stops the engine process of a run that this window did not start (found through its job file):
 * SIGTERM, then SIGKILL after `killTimeoutMs`. Resolves to false when there is no live process.
 */
export async function stopRunProcess(runDir: string, killTimeoutMs: number, pollMs = 200): Promise<boolean> {
  const job = readJobFile(runDir);
  if (!job || !isProcessAlive(job.pid)) return false;
  process.kill(job.pid, 'SIGTERM');
  const deadline = Date.now() + killTimeoutMs;
  while (isProcessAlive(job.pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(job.pid, 'SIGKILL');
      } catch {
        /* exited meanwhile */
      }
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}
