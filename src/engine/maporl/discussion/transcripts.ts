// Discussions as transcripts.jsonl records (design.md): every response with its verifier score,
// ground-truth mark and the reward PPO used (null where it was not trained on).
import type { TranscriptRecord } from '../../../protocol/runRecords';
import { majorityByTurn } from './discussionMetrics';
import type { Discussion } from './discussion';

/** `sample`: the index of this discussion among the iteration's discussions of the same question (omitted when 0). */
export function toTranscript(
  d: Discussion,
  step: number,
  split: 'train' | 'eval',
  rewards?: number[][],
  sample = 0,
): TranscriptRecord {
  const votes = majorityByTurn({
    answers: d.turns.map((row) => row.map((r) => r.answer)),
    correct: d.turns.map((row) => row.map((r) => r.correct)),
  });
  return {
    id: d.record.id,
    step,
    split,
    question: d.record.question,
    answer: d.record.answer,
    source: d.record.source,
    turns: d.turns.map((row, t) =>
      row.map((r, a) => ({
        agent: r.agent,
        text: r.text,
        answer: r.answer,
        correct: r.correct,
        verifier: clamp01(r.verifier),
        reward: rewards ? rewards[t][a] : null,
      })),
    ),
    majority: votes.map((v) => v.answer),
    majorityCorrect: votes.map((v, t) => v.answer !== null && d.turns[t].some((r) => r.answer === v.answer && r.correct)),
    majorityCredit: votes.map((v) => v.credit),
    ...(sample > 0 ? { sample } : {}),
  };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
