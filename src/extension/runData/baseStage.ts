// The base-agent stage of a run (config `baseAgents`) as its log events tell it: the engine logs
// `base agents: SFT step i/N, loss x` about twenty times while it fine-tunes, then `base agents:
// prepared by SFT in S s (DIR)` or `base agents: reused from the cache (DIR)` (engine/maporl/trainer.ts,
// prepareBaseStage). Folded here so the status bar and the dashboard show the stage instead of
// nothing. Pure.

export interface BaseStage {
  step: number;
  total: number;
  /** (step, loss) of each logged SFT step, oldest first. */
  losses: { step: number; loss: number }[];
  /** The stage ended: the agents are prepared or were reused. */
  done: boolean;
  /** Whether they came from the cache (no SFT ran in this run). */
  reused: boolean;
  /** (step, epoch ms) of the first and the latest timed SFT line: the stage's rate and ETA. */
  timing?: { first: { step: number; ms: number }; last: { step: number; ms: number } };
}

const STEP = /^base agents: SFT step (\d+)\/(\d+), loss (-?[\d.]+(?:e[+-]?\d+)?|NaN)/;
const DONE = /^base agents: (prepared by SFT|reused from the cache)/;

/** The stage after one log message; `stage` unchanged (the same object) when the message is not about it. */
export function foldBaseStage(stage: BaseStage | null, message: string, ms = NaN): BaseStage | null {
  const m = STEP.exec(message);
  if (m) {
    const step = Number(m[1]),
      total = Number(m[2]),
      loss = Number(m[3]);
    const losses = (stage?.losses ?? []).filter((p) => p.step < step);
    if (Number.isFinite(loss)) losses.push({ step, loss });
    const next: BaseStage = { step, total, losses, done: false, reused: false };
    if (Number.isFinite(ms)) {
      const first = stage?.timing && stage.timing.first.step < step ? stage.timing.first : { step, ms };
      next.timing = { first, last: { step, ms } };
    }
    return next;
  }
  const d = DONE.exec(message);
  if (d) {
    const reused = d[1].startsWith('reused');
    return { step: stage?.total ?? stage?.step ?? 0, total: stage?.total ?? 0, losses: stage?.losses ?? [], done: true, reused };
  }
  return stage;
}

/** Seconds until the SFT stage ends at its rate so far; null before two timed lines or once it has ended. */
export function baseStageEtaSeconds(stage: BaseStage | null): number | null {
  const t = stage?.timing;
  if (!stage || stage.done || !t || t.last.step <= t.first.step || t.last.ms <= t.first.ms) return null;
  const perStep = (t.last.ms - t.first.ms) / 1000 / (t.last.step - t.first.step);
  return Math.max(0, (stage.total - stage.step) * perStep);
}
