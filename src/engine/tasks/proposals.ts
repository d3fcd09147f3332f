// Labelled proposals made from a training question's gold solution: the solution itself (right)
// and a near miss (wrong) in the same format. They teach a learned verifier to *check* an answer —
// is the pair in the list, does the last step add up, does the label follow — rather than to
// recognise the base agents' style from the few thousand answers they are sampled for
// (verifier.taskProposals; docs/reward.md). Only data with worked solutions has them.
import type { Rng } from '../core/random';
import type { AnswerKind } from './answers';
import { NLI_LABELS } from './answers';
import { pairsumNearMiss } from './synthetic/pairsum';
import type { TaskRecord } from './types';

export interface LabelledProposal {
  question: string;
  response: string;
  correct: boolean;
}

/** Why a task's records give no proposals, or null when they do. */
export function proposalsUnsupported(kind: AnswerKind, records: readonly TaskRecord[]): string | null {
  if (kind === 'text') return 'free-text answers have no near miss to make';
  if (!records.some((r) => r.solution)) return 'its training records have no worked solution';
  return null;
}

/**
 * The record's solution and one near miss: pairsum a pair that does not check out
 * (synthetic/pairsum.ts pairsumNearMiss); numbers a slip in the last result, carried to the answer;
 * labels the same rationale ending in another label. [] when the record has no solution or no
 * near miss could be made.
 */
export function labelledProposals(kind: AnswerKind, record: TaskRecord, rng: Rng): LabelledProposal[] {
  const right = record.solution;
  if (!right) return [];
  const wrong = nearMiss(kind, record, right, rng);
  const q = record.question;
  return wrong === null
    ? [{ question: q, response: right, correct: true }]
    : [
        { question: q, response: right, correct: true },
        { question: q, response: wrong, correct: false },
      ];
}

function nearMiss(kind: AnswerKind, record: TaskRecord, solution: string, rng: Rng): string | null {
  switch (kind) {
    case 'pair':
      return pairsumNearMiss(record.question, rng);
    case 'label': {
      const other = rng.pick(NLI_LABELS.filter((l) => l !== record.answer));
      return replaceAnswer(solution, other);
    }
    case 'number': {
      const gold = Number(record.answer);
      if (!Number.isFinite(gold)) return null;
      const slip = gold + rng.pick([-2, -1, 1, 2].filter((d) => gold + d >= 0));
      // The last "=gold" is the step that produced it: the slip happens there and carries to the answer.
      const last = [...solution.matchAll(new RegExp(`=\\s*${record.answer.replace('.', '\\.')}(?!\\d|\\.\\d)`, 'g'))].pop();
      const steps =
        last?.index === undefined
          ? solution
          : `${solution.slice(0, last.index)}=${slip}${solution.slice(last.index + last[0].length)}`;
      return replaceAnswer(steps, String(slip));
    }
    case 'text':
      return null;
  }
}

/** The solution with its final `Answer: …` replaced; null when it has none. */
function replaceAnswer(solution: string, answer: string): string | null {
  const at = solution.lastIndexOf('Answer:');
  return at < 0 ? null : `${solution.slice(0, at)}Answer: ${answer}`;
}
