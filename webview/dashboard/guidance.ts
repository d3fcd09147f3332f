// What the dashboard says about a run beyond its curves, decided here without a DOM: whether to warn
// that the team answers nothing right before training (untrained base agents), what an empty chart
// is waiting for, and whether the base-agent stage is what the run is doing now. Pure.
import type { RunHeader } from '../../src/protocol/webview';
import type { ChartSpec, MetricsColumns } from './metricsStore';
import { seriesId } from './metricsStore';

export interface BaseAgentsWarning {
  /** The turn-1 majority accuracy that triggered it (0). */
  accuracy: number;
  /** Where it was measured: the evaluation before training (step 0), or the first training iteration. */
  source: 'eval' | 'train';
}

const TURN1 = seriesId('majorityAccuracy', 1);

function firstValue(m: MetricsColumns, id: string, atStep?: number): number | null {
  const col = m.columns.get(id);
  if (!col) return null;
  for (let i = 0; i < m.steps.length; i++) {
    if (atStep !== undefined && m.steps[i] !== atStep) continue;
    if (col[i] !== null) return col[i];
  }
  return null;
}

/**
 * The warning "turn-1 accuracy 0%: are the base agents trained?": shown when the team's first answers
 * are all wrong before training — in the evaluation before training (step 0) when there is one,
 * else in the first training iteration. Random agents and a wrong model both look like this, and
 * nothing can be learned from rewards that are all zero.
 */
export function baseAgentsWarning(train: MetricsColumns, evals: MetricsColumns): BaseAgentsWarning | null {
  const before = firstValue(evals, TURN1, 0);
  if (before !== null) return before === 0 ? { accuracy: 0, source: 'eval' } : null;
  const first = firstValue(train, TURN1);
  return first === 0 ? { accuracy: 0, source: 'train' } : null;
}

/** The printed value of a config key in the header (`/eval/every` → "10"), null when absent. */
export function configValue(header: RunHeader | null, pointer: string): string | null {
  return header?.config.find((c) => c.pointer === pointer)?.value ?? null;
}

/** Whether the page should show the base-agent stage in place of the curves: it runs, or has just ended with no curve yet. */
export function showsBaseStage(header: RunHeader | null, train: MetricsColumns, evals: MetricsColumns): boolean {
  const b = header?.baseStage;
  if (!b) return false;
  if (!b.done) return header.status === 'running' || header.status === 'unknown';
  return train.steps.length === 0 && evals.steps.length === 0 && header.status === 'running';
}

/** What an empty chart says: what it waits for, or why this run will not have it. */
export function emptyChartMessage(spec: ChartSpec, header: RunHeader | null): string {
  const status = header?.status ?? 'unknown';
  const ended = status === 'finished' || status === 'stopped' || status === 'failed';
  if (spec.source === 'eval') {
    const every = configValue(header, '/eval/every');
    if (ended) return 'No evaluation in this run.';
    return `No evaluation yet: the team is evaluated on held-out questions before training${every && every !== '0' ? `, then every ${every} iterations` : ' and after it'} (eval.every).`;
  }
  if (configValue(header, '/training/mode') === '"none"' || configValue(header, '/training/mode') === 'none')
    return 'Not trained (training.mode "none"): evaluation only.';
  if (ended) return 'This run logged no values for this chart.';
  if (header?.baseStage && !header.baseStage.done) return 'Waiting for the base agents (SFT, above).';
  return 'No iteration yet: the first point appears when iteration 1 ends (after the evaluation before training).';
}
