// What a run's events say about it: status, step, timing, the base-agent stage, what its sessions ran on. Folded event by event,
// the same way whether the events come over IPC from a job of this window or from tailing events.jsonl,
// and only events that passed validateRunEvent (protocol/runRecords.ts): every field read here is one
// a RunEvent has. Pure: no vscode, no fs.
import { validateRunEvent, type MetricsPoint, type RunEvent, type RunStatus, type RuntimeInfo } from '../../protocol/runRecords';
import { formatDuration } from '../../protocol/webview';
import { baseStageEtaSeconds, foldBaseStage, type BaseStage } from './baseStage';
import { foldRuntime } from './runtimeState';

export interface RunState {
  status: RunStatus | 'unknown';
  step: number;
  totalSteps: number | null;
  startedAt: string | null;
  updatedAt: string | null;
  /** What the run's sessions ran on (its `runtime` events, runtimeState.ts: a fallback stays); null before the first. */
  runtime: RuntimeInfo | null;
  message: string | null;
  /** (step, time) of the latest metrics events, oldest first, at most RATE_WINDOW: the rate and ETA. */
  recent: { step: number; ms: number }[];
  /** The base-agent stage (config `baseAgents`), from its stage events; null when the run has none. */
  baseStage: BaseStage | null;
}

const RATE_WINDOW = 20;

export function emptyRunState(): RunState {
  return {
    status: 'unknown',
    step: 0,
    totalSteps: null,
    startedAt: null,
    updatedAt: null,
    runtime: null,
    message: null,
    recent: [],
    baseStage: null,
  };
}

/** A metrics event's point and its curve: training iterations, or evaluations on the test split. */
export interface FoldedPoint {
  point: MetricsPoint;
  split: 'train' | 'eval';
}

/** A record read from events.jsonl or received over IPC: the event, or why it is not one (the caller reports it). */
export function readRunEvent(x: unknown): { event: RunEvent; problem: null } | { event: null; problem: string } {
  const problem = validateRunEvent(x);
  return problem === null ? { event: x as RunEvent, problem } : { event: null, problem };
}

/**
 * Folds one validated event into the state (mutating it, for speed over 10,000 events) and returns the
 * metrics point when the event is a metrics event, so the caller can store the curve.
 */
export function foldEvent(state: RunState, ev: RunEvent): FoldedPoint | null {
  state.updatedAt = ev.time;
  state.startedAt ??= ev.time;
  if (ev.step > state.step) state.step = ev.step;

  switch (ev.type) {
    case 'status':
      if (ev.totalSteps !== undefined) state.totalSteps = ev.totalSteps;
      state.status = ev.status;
      state.message = ev.message || (state.status === 'running' ? null : state.message);
      return null;
    case 'metrics': {
      // Evaluations share the step numbers of the iterations: a curve of their own, and no rate sample.
      if (ev.split === 'eval') return { point: ev, split: 'eval' };
      if (state.status === 'unknown') state.status = 'running';
      const ms = Date.parse(ev.time);
      if (Number.isFinite(ms)) {
        state.recent.push({ step: ev.step, ms });
        if (state.recent.length > RATE_WINDOW) state.recent.shift();
      }
      return { point: ev, split: 'train' };
    }
    case 'log':
      if (ev.level === 'error' && ev.message) state.message = ev.message;
      return null;
    case 'stage':
      if (ev.stage === 'base-agents') state.baseStage = foldBaseStage(state.baseStage, ev); // a run has no other stage
      return null;
    case 'runtime':
      state.runtime = foldRuntime(state.runtime, ev);
      return null;
    case 'checkpoint':
      return null;
  }
}

/** Steps per second over the recent window, null with fewer than two timed points. */
export function stepsPerSecond(state: RunState): number | null {
  const r = state.recent;
  if (r.length < 2) return null;
  const dSteps = r[r.length - 1].step - r[0].step;
  const dSec = (r[r.length - 1].ms - r[0].ms) / 1000;
  return dSteps > 0 && dSec > 0 ? dSteps / dSec : null;
}

/** Seconds until totalSteps at the recent rate, null when unknown or not running. */
export function etaSeconds(state: RunState): number | null {
  const rate = stepsPerSecond(state);
  if (state.status !== 'running' || rate === null || state.totalSteps === null) return null;
  return Math.max(0, (state.totalSteps - state.step) / rate);
}

/** One line for the status bar and tree descriptions: `step 120/1000 · 3.2 it/s · ETA 4:10`. */
export function progressText(state: RunState): string {
  const b = state.baseStage;
  if (b && !b.done && state.status !== 'finished' && b.total > 0) {
    const eta = baseStageEtaSeconds(b);
    return `base agents: SFT ${Math.floor((100 * b.step) / b.total)}% (step ${b.step}/${b.total})${eta !== null ? ` · ETA ${formatDuration(eta)}` : ''}`;
  }
  const parts = [state.totalSteps !== null ? `step ${state.step}/${state.totalSteps}` : `step ${state.step}`];
  const rate = stepsPerSecond(state);
  if (rate !== null) parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)} it/s`);
  const eta = etaSeconds(state);
  if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' · ');
}
