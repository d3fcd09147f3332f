// The base-agent stage (config `baseAgents`, or `maporl prepare-agents` alone) as its `stage` events
// tell it (protocol/runRecords.ts, BaseAgentsStageEvent; written by engine/maporl/train/baseStage.ts,
// stageProgress and stageEnd): about twenty `running` events while the agents are fine-tuned, then
// `prepared` or `reused`. Folded here so the status bar, the dashboard and Prepare Base Agents'
// notification show the stage instead of nothing. Pure.
import type { BaseAgentsStageEvent } from '../../protocol/runRecords';
import { formatDuration } from '../../protocol/webview';

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
export function foldBaseStage(stage: BaseStage | null, e: BaseAgentsStageEvent): BaseStage {
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

/** The stage in one line, for Prepare Base Agents' notification: `SFT step 440/2200 · ETA 1:20 · loss 0.785`. */
export function baseStageLine(stage: BaseStage): string {
  const eta = baseStageEtaSeconds(stage);
  const loss =
    stage.losses.length && stage.losses[stage.losses.length - 1].step === stage.step
      ? stage.losses[stage.losses.length - 1].loss
      : null;
  return `SFT step ${stage.step}/${stage.total}${eta !== null ? ` · ETA ${formatDuration(eta)}` : ''}${loss !== null ? ` · loss ${loss.toFixed(3)}` : ''}`;
}
