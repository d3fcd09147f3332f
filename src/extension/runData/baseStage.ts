// The base-agent stage of a run (config `baseAgents`) as its `stage` events tell it (protocol/
// runRecords.ts, StageEvent; written by engine/maporl/trainer.ts, prepareBaseStage): about twenty
// `running` events while the agents are fine-tuned, then `prepared` or `reused`. Folded here so the
// status bar and the dashboard show the stage instead of nothing. Pure.
import type { StageEvent } from '../../protocol/runRecords';

export interface BaseStage {
  step: number;
  total: number;
  /** (step, loss) of each reported SFT step, oldest first. */
  losses: { step: number; loss: number }[];
  /** The stage ended: the agents are prepared or were reused. */
  done: boolean;
  /** Whether they came from the cache (no SFT ran in this run). */
  reused: boolean;
  /** (step, epoch ms) of the first and the latest timed progress event: the stage's rate and ETA. */
  timing?: { first: { step: number; ms: number }; last: { step: number; ms: number } };
}

/** The stage after one of its events. */
export function foldBaseStage(stage: BaseStage | null, e: StageEvent): BaseStage {
  if (e.state !== 'running') {
    const reused = e.state === 'reused';
    return { step: e.done, total: e.total, losses: reused ? [] : (stage?.losses ?? []), done: true, reused };
  }
  // A resumed run reports the steps again from the start: later points are replaced, not duplicated.
  const losses = (stage?.losses ?? []).filter((p) => p.step < e.done);
  if (e.loss !== null) losses.push({ step: e.done, loss: e.loss });
  const next: BaseStage = { step: e.done, total: e.total, losses, done: false, reused: false };
  const ms = Date.parse(e.time);
  if (Number.isFinite(ms)) {
    const first = stage?.timing && stage.timing.first.step < e.done ? stage.timing.first : { step: e.done, ms };
    next.timing = { first, last: { step: e.done, ms } };
  }
  return next;
}

/** Seconds until the SFT stage ends at its rate so far; null before two timed events or once it has ended. */
export function baseStageEtaSeconds(stage: BaseStage | null): number | null {
  const t = stage?.timing;
  if (!stage || stage.done || !t || t.last.step <= t.first.step || t.last.ms <= t.first.ms) return null;
  const perStep = (t.last.ms - t.first.ms) / 1000 / (t.last.step - t.first.step);
  return Math.max(0, (stage.total - stage.step) * perStep);
}
