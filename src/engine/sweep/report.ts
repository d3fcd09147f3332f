// The sweep's report: per cell (runs that differ only by seed), mean ± standard deviation over the
// finished seeds of each run's summary.json: majority accuracy at every turn before and after
// training, mean agent accuracy, and the summary's scalar metrics. Markdown for people, JSON for tools.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalTable, RunSummary } from '../../protocol/runRecords';
import type { SweepPlan } from '../../protocol/sweepSchema';
import { SweepDir } from './layout';

/** Mean and sample standard deviation (n - 1; null for one value) of n values. */
export interface Stat {
  mean: number;
  std: number | null;
  n: number;
}

export interface CellReport {
  cell: string;
  overrides: Record<string, unknown>;
  runs: string[];
  finished: number;
  /** [T] per turn, over the finished seeds. */
  majorityAccuracyBefore: (Stat | null)[];
  majorityAccuracyAfter: (Stat | null)[];
  meanAgentAccuracyAfter: (Stat | null)[];
  /** summary.json's `metrics`, each over the seeds that have it. */
  metrics: Record<string, Stat>;
}

export interface SweepReport {
  name: string;
  runs: number;
  finished: number;
  cells: CellReport[];
}

export function stat(xs: readonly number[]): Stat | null {
  if (!xs.length) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : null;
  return { mean, std, n: xs.length };
}

/** Per-turn stats of one field of the evaluation tables (tables of different lengths: turn by turn). */
function perTurn(tables: (EvalTable | null)[], field: 'majorityAccuracy' | 'meanAgentAccuracy'): (Stat | null)[] {
  const T = Math.max(0, ...tables.map((t) => t?.turns.length ?? 0));
  return Array.from({ length: T }, (_, t) =>
    stat(tables.flatMap((tab) => (tab && t < tab.turns.length ? [tab.turns[t][field]] : []))),
  );
}

export function sweepReport(dir: string): SweepReport {
  const sd = new SweepDir(dir);
  const plan: SweepPlan | null = sd.loadPlan();
  if (!plan) throw new Error(`${dir}: not a sweep directory (no sweep.json)`);
  const summaries = new Map<string, RunSummary>();
  for (const r of plan.runs) {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(sd.run(r.name), 'summary.json'), 'utf8')) as RunSummary;
      if (s.status === 'finished') summaries.set(r.name, s);
    } catch {
      /* not finished */
    }
  }
  const cells = [...new Set(plan.runs.map((r) => r.cell))].map((cell): CellReport => {
    const runs = plan.runs.filter((r) => r.cell === cell);
    const done = runs.flatMap((r) => summaries.get(r.name) ?? []);
    const keys = [...new Set(done.flatMap((s) => Object.keys(s.metrics)))].sort();
    const metrics: Record<string, Stat> = {};
    for (const k of keys) {
      const s = stat(done.flatMap((d) => (typeof d.metrics[k] === 'number' ? [d.metrics[k] as number] : [])));
      if (s) metrics[k] = s;
    }
    const { seed: _seed, ...overrides } = runs[0].overrides;
    return {
      cell,
      overrides,
      runs: runs.map((r) => r.name),
      finished: done.length,
      majorityAccuracyBefore: perTurn(
        done.map((d) => d.before),
        'majorityAccuracy',
      ),
      majorityAccuracyAfter: perTurn(
        done.map((d) => d.after),
        'majorityAccuracy',
      ),
      meanAgentAccuracyAfter: perTurn(
        done.map((d) => d.after),
        'meanAgentAccuracy',
      ),
      metrics,
    };
  });
  return { name: plan.name, runs: plan.runs.length, finished: summaries.size, cells };
}

const pct = (s: Stat | null | undefined) =>
  s ? `${(100 * s.mean).toFixed(1)}${s.std === null ? '' : ` ± ${(100 * s.std).toFixed(1)}`}` : '–';
const num = (s: Stat | undefined) => (s ? `${s.mean.toPrecision(4)}${s.std === null ? '' : ` ± ${s.std.toPrecision(2)}`}` : '–');

/** The report as Markdown: accuracies in percent, mean ± std over the finished seeds. */
export function reportMarkdown(r: SweepReport): string {
  const T = Math.max(1, ...r.cells.map((c) => c.majorityAccuracyAfter.length));
  const turns = Array.from({ length: T }, (_, t) => `turn ${t + 1}`);
  const lines = [
    `# Sweep ${r.name}`,
    '',
    `${r.finished} of ${r.runs} runs finished. Accuracies in %, mean ± standard deviation over the finished seeds (n).`,
    '',
    '## Majority accuracy after training, per turn',
    '',
    `| cell | n | ${turns.join(' | ')} | final turn before training | mean agent (final turn) |`,
    `| --- | --- | ${turns.map(() => '---').join(' | ')} | --- | --- |`,
    ...r.cells.map(
      (c) =>
        `| ${c.cell} | ${c.finished}/${c.runs.length} | ${turns.map((_, t) => pct(c.majorityAccuracyAfter[t])).join(' | ')} | ${pct(c.majorityAccuracyBefore.at(-1))} | ${pct(c.meanAgentAccuracyAfter.at(-1))} |`,
    ),
  ];
  const keys = [...new Set(r.cells.flatMap((c) => Object.keys(c.metrics)))].sort();
  if (keys.length) {
    lines.push('', '## Summary metrics', '', `| cell | ${keys.join(' | ')} |`, `| --- | ${keys.map(() => '---').join(' | ')} |`);
    for (const c of r.cells) lines.push(`| ${c.cell} | ${keys.map((k) => num(c.metrics[k])).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
