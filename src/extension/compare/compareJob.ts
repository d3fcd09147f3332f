// A comparison job: `maporl compare SIDE… (--task T | --data FILE --task T) --questions N --seed S
// --json` run by the job manager (a child process, like every engine job). The engine evaluates the
// sides one after the other and says so in typed `stage` events over IPC (protocol/runRecords.ts,
// CompareStageEvent: `evaluating side 1 (2 of 3): …`), validated on arrival, which are the progress
// shown; its stdout is the result as one JSON line. Cancel is the job manager's stop
// (SIGTERM, SIGKILL after the stop timeout); the engine saves nothing until every side is done, so a
// cancelled comparison leaves no files. Node only, no vscode.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BUILTIN_TASKS, isBuiltinTask, isFileTask } from '../../protocol/choices';
import type { CompareJobView, CompareSideView, QuestionSource } from '../../protocol/compareView';
import { validateComparisonResult, type ComparisonResult } from '../../protocol/comparison';
import { validateRunEvent, type CompareStageEvent, type RunEvent } from '../../protocol/runRecords';
import type { Job, JobManager } from '../jobs/jobManager';
import { describeOutcome } from '../jobs/jobState';
import { Emitter } from '../util/emitter';

/** A question source the page may pick, with the engine arguments it stands for. */
export interface SourceChoice extends QuestionSource {
  args: string[];
}

/**
 * The questions the sides can be compared on: per distinct run, its task as it trained on it (a
 * built-in task generated from the seed, or its test file). The first run's comes first (the default).
 */
export function questionSources(runs: readonly { run: string; config: Record<string, unknown> | null }[]): SourceChoice[] {
  const out: SourceChoice[] = [];
  const add = (c: Omit<SourceChoice, 'id'>, id: string) => {
    if (!out.some((o) => o.args.join('\0') === c.args.join('\0'))) out.push({ id, ...c });
  };
  for (const { run, config } of runs) {
    const task = (config?.task ?? {}) as { type?: unknown; testFile?: unknown };
    if (typeof task.type === 'string' && isBuiltinTask(task.type)) {
      add(
        { label: `${task.type}: test questions generated from the seed (as ${run} was evaluated)`, args: ['--task', task.type] },
        `task:${task.type}`,
      );
    } else if (
      typeof task.type === 'string' &&
      isFileTask(task.type) &&
      typeof task.testFile === 'string' &&
      existsSync(task.testFile)
    ) {
      add(
        {
          label: `${basename(task.testFile)}: the test set of ${run} (${task.type})`,
          args: ['--data', task.testFile, '--task', task.type],
        },
        `data:${out.length}`,
      );
    }
  }
  for (const t of BUILTIN_TASKS) add({ label: `${t}: test questions generated from the seed`, args: ['--task', t] }, `task:${t}`);
  return out;
}

export function compareArgs(sides: readonly CompareSideView[], source: SourceChoice, questions: number, seed: number): string[] {
  return [
    'compare',
    ...sides.map((s) => s.path),
    ...source.args,
    '--questions',
    String(questions),
    '--seed',
    String(seed),
    '--json',
  ];
}

/** The comparison's progress a message from the engine holds (a valid `compare` stage event), or null. */
export function compareStage(payload: unknown): CompareStageEvent | null {
  if (validateRunEvent(payload) !== null) return null;
  const e = payload as RunEvent;
  return e.type === 'stage' && e.stage === 'compare' ? e : null;
}

/** The result a `--json` stdout line holds, or null. */
export function parseResult(line: string): ComparisonResult | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return validateComparisonResult(value) === null ? (value as ComparisonResult) : null;
  } catch {
    return null;
  }
}

export interface CompareOutcome {
  ok: boolean;
  cancelled: boolean;
  message: string;
  result: ComparisonResult | null;
}

export interface CompareRunSpec {
  label: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  sides: number;
}

const ERROR_LINES = 4;

/** One `maporl compare` job: its progress as the page shows it, cancel, and how it ended. */
export class CompareRun {
  view: CompareJobView;
  readonly onProgress = new Emitter<CompareJobView>();
  readonly finished: Promise<CompareOutcome>;
  private readonly job: Job;
  private result: ComparisonResult | null = null;
  private errors: string[] = [];
  /** The lines the engine's stage events carried: progress, not errors. */
  private readonly said = new Set<string>();

  constructor(
    private readonly jobs: JobManager,
    spec: CompareRunSpec,
  ) {
    this.view = {
      phase: 'running',
      side: null,
      sides: spec.sides,
      message: 'starting the engine…',
      startedAt: new Date().toISOString(),
    };
    this.job = jobs.start({ kind: 'compare', label: spec.label, args: spec.args, cwd: spec.cwd, env: spec.env });
    const logs = jobs.onLog.event(({ job, line, stream }) => {
      if (job.id !== this.job.id) return;
      if (stream === 'stdout') {
        this.result = parseResult(line) ?? this.result;
        return;
      }
      // The last lines for a failure's message, without those a stage event already said.
      if (line.trim() && !this.said.has(line.trim())) {
        this.errors.push(line.trim());
        if (this.errors.length > ERROR_LINES) this.errors.shift();
      }
    });
    const events = jobs.onEvent.event(({ job, payload }) => {
      if (job.id !== this.job.id) return;
      const e = compareStage(payload);
      if (!e) return;
      this.said.add(e.message);
      this.errors = this.errors.filter((l) => l !== e.message);
      if (e.state === 'running') this.update({ side: e.done, sides: e.total, message: e.message });
      else this.update({ message: e.message });
    });
    this.finished = new Promise((resolve) => {
      const exits = jobs.onDidExit.event((job) => {
        if (job.id !== this.job.id) return;
        exits.dispose();
        logs.dispose();
        events.dispose();
        resolve(this.outcome(job));
      });
    });
  }

  cancel(): void {
    if (this.view.phase === 'cancelling') return;
    this.update({ phase: 'cancelling', message: 'cancelling…' });
    void this.jobs.stop(this.job.id);
  }

  private update(patch: Partial<CompareJobView>): void {
    this.view = { ...this.view, ...patch };
    this.onProgress.fire(this.view);
  }

  private outcome(job: Job): CompareOutcome {
    const cancelled = job.state.stopRequested;
    if (job.state.outcome === 'finished' && this.result)
      return { ok: true, cancelled: false, message: 'done', result: this.result };
    if (cancelled) return { ok: false, cancelled: true, message: 'cancelled: nothing was saved', result: null };
    const why = job.state.outcome === 'finished' ? 'ended without a result' : describeOutcome(job.state);
    return {
      ok: false,
      cancelled: false,
      message: `the comparison ${why}${this.errors.length ? `: ${this.errors.join(' ⏎ ')}` : ''}`,
      result: null,
    };
  }
}
