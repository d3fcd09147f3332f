// What a run's events say about it: status, step, timing, execution provider. Folded event by event,
// the same way whether the events come over IPC from a job of this window or from tailing events.jsonl.
// Pure: no vscode, no fs.
import { RUN_STATUSES, isMetricsPoint, type MetricsPoint, type RunStatus } from '../../protocol/runRecords';
import { formatDuration } from '../../protocol/webview';
import { baseStageEtaSeconds, foldBaseStage, type BaseStage } from './baseStage';

export interface RunState {
  status: RunStatus | 'unknown';
  step: number;
  totalSteps: number | null;
  startedAt: string | null;
  updatedAt: string | null;
  executionProvider: string | null;
  message: string | null;
  /** (step, time) of the latest metrics events, oldest first, at most RATE_WINDOW: the rate and ETA. */
  recent: { step: number; ms: number }[];
  /** The base-agent stage (config `baseAgents`), from its log lines; null when the run has none. */
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
    executionProvider: null,
    message: null,
    recent: [],
    baseStage: null,
  };
}

type Obj = Record<string, unknown>;
const str = (x: unknown): string | null => (typeof x === 'string' && x ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** A metrics event's point and its curve: training iterations, or evaluations on the test split. */
export interface FoldedPoint {
  point: MetricsPoint;
  split: 'train' | 'eval';
}

/**
 * Folds one event into the state (mutating it, for speed over 10,000 events) and returns the
 * metrics point when the event is a metrics event, so the caller can store the curve.
 */
export function foldEvent(state: RunState, event: unknown): FoldedPoint | null {
  if (typeof event !== 'object' || event === null) return null;
  const ev = event as Obj;
  const time = str(ev.time);
  if (time) {
    state.updatedAt = time;
    state.startedAt ??= time;
  }
  const step = num(ev.step);
  if (step !== null && step > state.step) state.step = step;
  const total = num(ev.totalSteps);
  if (total !== null) state.totalSteps = total;
  const ep = str(ev.executionProvider);
  if (ep) state.executionProvider = ep;

  if (ev.type === 'status' && (RUN_STATUSES as readonly unknown[]).includes(ev.status)) {
    state.status = ev.status as RunStatus;
    state.message = str(ev.message) ?? str(ev.error) ?? (state.status === 'running' ? null : state.message);
  } else if (ev.type === 'metrics' && ev.split === 'eval' && isMetricsPoint(ev)) {
    // Evaluations share the step numbers of the iterations: a curve of their own, and no rate sample.
    return { point: ev, split: 'eval' };
  } else if (ev.type === 'metrics' && isMetricsPoint(ev)) {
    if (state.status === 'unknown') state.status = 'running';
    const ms = time ? Date.parse(time) : NaN;
    if (Number.isFinite(ms)) {
      state.recent.push({ step: ev.step, ms });
      if (state.recent.length > RATE_WINDOW) state.recent.shift();
    }
    return { point: ev, split: 'train' };
  } else if (ev.type === 'log' && str(ev.message)) {
    if (ev.level === 'error') state.message = str(ev.message);
    else state.baseStage = foldBaseStage(state.baseStage, ev.message as string, time ? Date.parse(time) : NaN);
  }
  return null;
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
