// Multi-agent evaluation: the same discussion protocol on test questions, reported per
// turn — majority accuracy, mean agent accuracy, wrong→right and right→wrong moves — so that every
// training mode is measured the same way.
import type { EvalTable } from '../../../protocol/runRecords';
import type { TaskRecord } from '../../tasks/types';
import { runDiscussions, type Discussion, type DiscussionOptions } from './discussion';
import { adoptionCounts, turnMetrics, type AdoptionCounts } from './discussionMetrics';
import type { PolicySharing } from '../../../protocol/choices';

/** An evaluation runs the training discussion protocol unchanged. */
export type EvalOptions = DiscussionOptions;

export interface EvalResult {
  table: EvalTable;
  discussions: Discussion[];
  verifierByTurn: number[];
}

/**
 * Questions discussed at once: each turn generates agents x this many responses in one batch, so
 * memory stays bounded however many questions are asked, and long evaluations report progress.
 * Chunk 0 is sampled with the evaluation's own seed, so evaluations of up to this many questions
 * sample exactly what they did before chunking.
 */
export const EVAL_CHUNK = 512;

export async function evaluate(
  records: readonly TaskRecord[],
  step: number,
  o: EvalOptions,
  onProgress?: (questionsDone: number, questions: number) => void,
): Promise<EvalResult> {
  const discussions: Discussion[] = [];
  for (let k = 0; k * EVAL_CHUNK < records.length; k++) {
    const chunk = records.slice(k * EVAL_CHUNK, (k + 1) * EVAL_CHUNK);
    discussions.push(
      ...(await runDiscussions(chunk, { ...o, seed: k === 0 ? o.seed : (o.seed + Math.imul(k, 0x9e3779b9)) >>> 0 })),
    );
    onProgress?.(discussions.length, records.length);
  }
  const turns = turnMetrics(
    discussions.map((d) => ({
      answers: d.turns.map((row) => row.map((r) => r.answer)),
      correct: d.turns.map((row) => row.map((r) => r.correct)),
    })),
  );
  const verifierByTurn = Array.from({ length: o.turns }, (_, t) =>
    mean(discussions.flatMap((d) => d.turns[t].map((r) => r.verifier))),
  );
  return { table: { step, questions: records.length, turns }, discussions, verifierByTurn };
}

/** What `maporl eval --json` prints: the per-turn table, peer answers taken, and who was right on each question. */
export interface EvalReport extends EvalTable {
  adoption: AdoptionCounts;
  /** One entry per question: its id and source, and [turn][agent] answers and grades. */
  perQuestion: { id: string; source: TaskRecord['source']; answers: (string | null)[][]; correct: boolean[][] }[];
}

export function evalReport(r: EvalResult): EvalReport {
  const perQuestion = r.discussions.map((d) => ({
    id: d.record.id,
    source: d.record.source,
    answers: d.turns.map((row) => row.map((v) => v.answer)),
    correct: d.turns.map((row) => row.map((v) => v.correct)),
  }));
  return { ...r.table, adoption: adoptionCounts(perQuestion), perQuestion };
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** A fixed-width text table of an evaluation: one row per turn. */
export function formatEvalTable(title: string, t: EvalTable): string {
  const lines = [`${title} (${t.questions} questions)`, '  turn  majority  mean agent  wrong→right  right→wrong'];
  t.turns.forEach((m, i) => {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    lines.push(
      `  ${String(i + 1).padStart(4)}  ${pct(m.majorityAccuracy).padStart(8)}  ${pct(m.meanAgentAccuracy).padStart(10)}  ${String(i ? sum(m.wrongToRight) : '-').padStart(11)}  ${String(i ? sum(m.rightToWrong) : '-').padStart(11)}`,
    );
  });
  return lines.join('\n');
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * A warning when greedy decoding meets agents on the same model (one shared or per-turn policy,
 * or the same model twice): they all give the same answer, so the discussion shows nothing.
 * `models`: the model specs, for per-agent teams (identical specs are the same model).
 */
export function identicalAgentsWarning(
  temperature: number,
  agents: number,
  sharing: PolicySharing,
  models?: readonly string[],
): string | undefined {
  if (temperature > 0 || agents < 2) return undefined;
  const sameModel = sharing !== 'per-agent' || (models !== undefined && new Set(models).size < models.length);
  if (!sameModel) return undefined;
  return (
    'warning: greedy decoding (temperature 0) with several agents on the same model: every agent gives the same answer, ' +
    'so the discussion is one agent talking to copies of itself; sample above temperature 0 (eval.temperature, --temperature) or use different models'
  );
}

/**
 * What a before/after pair says about discussion, in plain lines: the last turn after training
 * against the same team's first turn and against the untrained team's last turn. Inputs are
 * [turn][question] majority credits on the same questions, so each difference is paired and called
 * better or worse only beyond two standard errors of its mean — a short run does not pass noise off
 * as a finding.
 */
export function discussionVerdict(before: readonly (readonly number[])[], after: readonly (readonly number[])[]): string[] {
  const T = after.length;
  if (T < 2 || before.length !== T || before[0].length !== after[0].length || after[0].length < 2) return [];
  const last = after[T - 1];
  const line = (other: readonly number[], label: string) => {
    const d = last.map((x, q) => x - other[q]);
    const m = mean(d);
    const se = Math.sqrt(d.reduce((a, x) => a + (x - m) ** 2, 0) / (d.length - 1) / d.length);
    const verdict = Math.abs(m) <= 2 * se ? 'within the noise' : m > 0 ? 'better' : 'worse';
    return `  ${label} ${pct(mean(other))}: ${m >= 0 ? '+' : ''}${(100 * m).toFixed(1)} ± ${(200 * se).toFixed(1)} points (2 s.e., paired), ${verdict}`;
  };
  return [
    `turn ${T} after training ${pct(mean(last))} on ${last.length} questions vs`,
    line(after[0], 'turn 1 after training'),
    line(before[T - 1], `turn ${T} before training`),
  ];
}
