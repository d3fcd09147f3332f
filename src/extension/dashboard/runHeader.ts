// The summary strip's data for a run, from its model (pure).
import { basename } from 'node:path';
import type { RunHeader } from '../../protocol/webview';
import { flattenScalars } from '../json/jsonLocation';
import type { RunModel } from '../runData/runModel';
import { etaSeconds } from '../runData/runState';

export function runHeader(model: RunModel): RunHeader {
  const s = model.state;
  // What the engine reports using, else what the config asks for (`runtime.executionProvider`).
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
    etaSeconds: etaSeconds(s),
    executionProvider: s.executionProvider ?? fromConfig,
    message: s.message,
    config: model.config ? flattenScalars(model.config, 120) : [],
  };
}
