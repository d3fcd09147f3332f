// The summary strip's data for a run, from its model (pure).
import { basename } from 'node:path';
import type { LabelSummary, RunHeader } from '../../protocol/webview';
import { flattenScalars } from '../json/jsonLocation';
import type { RunModel } from '../runData/runModel';
import { baseStageEtaSeconds } from '../runData/baseStage';
import { etaSeconds } from '../runData/runState';
import { runOutcome } from './runOutcome';

/** `labels`: the run's label counts (annotations.jsonl), shown when there are any. */
export function runHeader(model: RunModel, labels?: LabelSummary): RunHeader {
  const s = model.state;
  // What the config asks for (`runtime.executionProvider`); the run's `runtime` events say what ran.
  const runtime = model.config?.runtime as { executionProvider?: unknown } | undefined;
  const fromConfig = typeof runtime?.executionProvider === 'string' ? runtime.executionProvider : null;
  return {
    runDir: model.dir,
    name: basename(model.dir),
    status: s.status,
    step: s.step,
    totalSteps: s.totalSteps,
    startedAt: s.startedAt,
    updatedAt: s.updatedAt,
    etaSeconds: etaSeconds(s) ?? baseStageEtaSeconds(s.baseStage), // the base-agent stage's while it runs
    executionProvider: fromConfig,
    ...(s.runtime ? { runtime: s.runtime } : {}),
    message: s.message,
    config: model.config ? flattenScalars(model.config, 120) : [],
    ...(s.baseStage ? { baseStage: s.baseStage } : {}),
    ...(model.summary ? { outcome: runOutcome(model.summary) } : {}),
    ...(labels && (labels.total || labels.notes) ? { labels } : {}),
  };
}
