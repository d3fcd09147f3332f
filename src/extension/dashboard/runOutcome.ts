// The dashboard's before/after table from a run's summary.json: one row per turn, the per-agent
// counts summed (pure).
import type { EvalTable, RunSummary } from '../../protocol/runRecords';
import type { RunOutcome, TurnRow } from '../../protocol/webview';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function turnRows(table: EvalTable | null): TurnRow[] | null {
  return table
    ? table.turns.map((t) => ({
        majorityAccuracy: t.majorityAccuracy,
        meanAgentAccuracy: t.meanAgentAccuracy,
        wrongToRight: sum(t.wrongToRight),
        rightToWrong: sum(t.rightToWrong),
      }))
    : null;
}

export function runOutcome(summary: RunSummary): RunOutcome {
  return {
    before: turnRows(summary.before),
    after: turnRows(summary.after),
    questions: summary.after?.questions ?? summary.before?.questions ?? null,
  };
}
