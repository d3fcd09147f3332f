// The dashboard's curves as columns, the layout uPlot draws from: one shared step axis and one array per
// series, `null` where a point lacks the value. Appending is amortised O(1) per point, so 10,000 steps
// stay cheap; a point at or before the last step (a resumed run) cuts the columns back first.
// Pure: no DOM.
import type { MetricsPoint } from '../../src/protocol/runRecords';

const SCALAR_KEYS = [
  'reward',
  'kl',
  'entropy',
  'policyLoss',
  'valueLoss',
  'clipFraction',
  'tokensPerSecond',
  'sampledResponses',
  'updatedResponses',
] as const;
export type ScalarKey = (typeof SCALAR_KEYS)[number];
export type TurnKey = 'verifier' | 'majorityAccuracy';

export interface ChartSpec {
  id: string;
  title: string;
  /** Scalar series, or one series per discussion turn of a per-turn metric. */
  scalars?: { key: ScalarKey; label: string }[];
  perTurn?: { key: TurnKey; label: string };
  /** Bounds of the metric when it has some (a fraction: [0, 1]); the axis is fitted to the data inside them (axes.ts). */
  range?: [number, number];
  /** The curve it draws from: training iterations (default) or evaluations on the test split. */
  source?: 'train' | 'eval';
  /** The config key (JSON pointer) that most shapes this curve, shown as a link to it in the config. */
  configKey?: string;
  /** Shown only once the run has logged a value for it (a setting most runs leave off), not as an empty chart. */
  whenLogged?: boolean;
}

/** A fraction with one curve per discussion turn (verifier scores, accuracies), on [0, 1]. */
function perTurnFraction(id: string, title: string, key: TurnKey, configKey: string, source?: 'eval'): ChartSpec {
  return { id, title, perTurn: { key, label: 'turn' }, range: [0, 1], ...(source ? { source } : {}), configKey };
}

/** A chart of scalar series, `[key, label]` each. */
function scalarChart(
  id: string,
  title: string,
  series: [ScalarKey, string][],
  configKey: string,
  more: Partial<ChartSpec> = {},
): ChartSpec {
  return { id, title, scalars: series.map(([key, label]) => ({ key, label })), ...more, configKey };
}

export const CHARTS: readonly ChartSpec[] = [
  scalarChart('reward', 'Reward', [['reward', 'reward']], '/verifier/type'),
  perTurnFraction('verifier', 'Verifier score per turn', 'verifier', '/verifier/type'),
  perTurnFraction('majority', 'Majority accuracy per turn', 'majorityAccuracy', '/discussion/turns'),
  perTurnFraction('evalMajority', 'Evaluation: majority accuracy per turn', 'majorityAccuracy', '/eval/every', 'eval'),
  scalarChart('kl', 'KL to the reference policy', [['kl', 'KL']], '/training/ppo/klCoef'),
  scalarChart('entropy', 'Entropy', [['entropy', 'entropy']], '/generation/temperature'),
  scalarChart(
    'loss',
    'Policy and value loss',
    [
      ['policyLoss', 'policy loss'],
      ['valueLoss', 'value loss'],
    ],
    '/training/ppo/lr',
  ),
  scalarChart('clip', 'Clip fraction', [['clipFraction', 'clip fraction']], '/training/ppo/clipRange', { range: [0, 1] }),
  scalarChart(
    'dynamicSampling',
    'Dynamic sampling: responses per iteration',
    [
      ['sampledResponses', 'sampled'],
      ['updatedResponses', 'trained on'],
    ],
    '/training/dynamicSampling',
    { whenLogged: true },
  ),
  scalarChart('throughput', 'Throughput', [['tokensPerSecond', 'tokens/s']], '/runtime/threads'),
];

/** Series id of a scalar (`kl`) or of one turn of a per-turn metric (`verifier.2`, turns from 1). */
export const seriesId = (key: string, turn?: number) => (turn === undefined ? key : `${key}.${turn}`);

export interface MetricsColumns {
  steps: number[];
  /** By series id; every column has the length of `steps`. */
  columns: Map<string, (number | null)[]>;
  /** Largest number of turns seen in a per-turn metric. */
  turns: number;
}

export function emptyColumns(): MetricsColumns {
  return { steps: [], columns: new Map(), turns: 0 };
}

/** A point's value of a scalar series: its own field, or one of its dynamic-sampling counts. */
function scalarOf(p: MetricsPoint, k: ScalarKey): unknown {
  if (k === 'sampledResponses') return p.dynamicSampling?.sampled;
  if (k === 'updatedResponses') return p.dynamicSampling?.updated;
  return p[k];
}
const TURN_KEYS: readonly TurnKey[] = ['verifier', 'majorityAccuracy'];

function column(m: MetricsColumns, id: string): (number | null)[] {
  let col = m.columns.get(id);
  if (!col) {
    col = new Array<number | null>(m.steps.length).fill(null);
    m.columns.set(id, col);
  }
  return col;
}

/** Cuts every column to the points before `step` (a resumed run overwrites from there). */
function rewindTo(m: MetricsColumns, step: number): void {
  let keep = m.steps.length;
  while (keep > 0 && m.steps[keep - 1] >= step) keep--;
  m.steps.length = keep;
  for (const col of m.columns.values()) col.length = keep;
}

/**
 * Appends points (mutating `m`). Returns whether the set of series changed (a new turn or metric),
 * which needs new charts rather than new data.
 */
export function appendPoints(m: MetricsColumns, points: readonly MetricsPoint[]): { newSeries: boolean; rewound: boolean } {
  let newSeries = false,
    rewound = false;
  for (const p of points) {
    if (m.steps.length && m.steps[m.steps.length - 1] >= p.step) {
      rewindTo(m, p.step);
      rewound = true;
    }
    const before = m.columns.size;
    const row = m.steps.length;
    m.steps.push(p.step);
    for (const col of m.columns.values()) col.push(null);
    for (const k of SCALAR_KEYS) {
      const v = scalarOf(p, k);
      if (typeof v === 'number') column(m, k)[row] = v;
    }
    for (const k of TURN_KEYS) {
      const per = p[k];
      if (!per) continue;
      if (per.length > m.turns) m.turns = per.length;
      per.forEach((v, t) => {
        if (typeof v === 'number') column(m, seriesId(k, t + 1))[row] = v;
      });
    }
    if (m.columns.size !== before) newSeries = true;
  }
  return { newSeries, rewound };
}

/** The series a chart draws: ids and legend labels, in order. */
export function chartSeries(spec: ChartSpec, turns: number): { id: string; label: string }[] {
  if (spec.scalars) return spec.scalars.map((s) => ({ id: s.key, label: s.label }));
  const per = spec.perTurn!;
  return Array.from({ length: Math.max(1, turns) }, (_, t) => ({ id: seriesId(per.key, t + 1), label: `${per.label} ${t + 1}` }));
}

/** uPlot's data layout for one chart: [steps, series...]. Columns are shared, not copied. */
export function chartData(m: MetricsColumns, spec: ChartSpec): (number | null)[][] {
  const empty = (): (number | null)[] => new Array(m.steps.length).fill(null);
  return [m.steps, ...chartSeries(spec, m.turns).map((s) => m.columns.get(s.id) ?? empty())];
}

/** The last value of a series (for the summary strip), null if it has none. */
export function lastValue(m: MetricsColumns, id: string): number | null {
  const col = m.columns.get(id);
  if (!col) return null;
  for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null) return col[i];
  return null;
}
