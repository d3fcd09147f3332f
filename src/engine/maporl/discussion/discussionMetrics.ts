// Per-turn metrics of multi-agent discussions: majority vote (ties split evenly), majority
// accuracy, the oracle (at least one agent right), agent accuracy, and each agent's wrong→right / right→wrong transitions between turns.
// Input per discussion: answers[t][a] (normalised, null = no answer) and correct[t][a].

import type { TurnMetrics } from '../../../protocol/runRecords';

export interface MajorityVote {
  /** The answers with the most votes, in order of first appearance (null answers do not vote). */
  winners: string[];
  /** The first winner (what a transcript records), or null when no agent answered. */
  answer: string | null;
  /** Fraction of the winners that are correct: 1 or 0 without a tie, k/n for an n-way tie. */
  credit: number;
}

/** Majority vote of one turn. An answer is correct when any agent who gave it was graded correct. */
export function majorityVote(answers: readonly (string | null)[], correct: readonly boolean[]): MajorityVote {
  if (answers.length !== correct.length) throw new Error(`majorityVote: ${answers.length} answers but ${correct.length} grades`);
  const votes = new Map<string, { n: number; correct: boolean }>(); // Map keeps first-appearance order
  answers.forEach((ans, a) => {
    if (ans === null) return;
    const v = votes.get(ans) ?? { n: 0, correct: false };
    v.n++;
    v.correct ||= correct[a];
    votes.set(ans, v);
  });
  const top = Math.max(0, ...[...votes.values()].map((v) => v.n));
  const winners = [...votes.entries()].filter(([, v]) => v.n === top && top > 0);
  return {
    winners: winners.map(([ans]) => ans),
    answer: winners.length ? winners[0][0] : null,
    credit: winners.length ? winners.filter(([, v]) => v.correct).length / winners.length : 0,
  };
}

export interface DiscussionOutcome {
  /** [T][A] normalised final answers. */
  answers: readonly (readonly (string | null)[])[];
  /** [T][A] ground-truth grades. */
  correct: readonly (readonly boolean[])[];
}

/** Per-turn majority votes of one discussion, [T]. */
export function majorityByTurn(d: DiscussionOutcome): MajorityVote[] {
  return d.answers.map((row, t) => majorityVote(row, d.correct[t]));
}

/** [T] metrics over a set of discussions that all have the same turns and agents. */
export function turnMetrics(discussions: readonly DiscussionOutcome[]): TurnMetrics[] {
  if (discussions.length === 0) return [];
  const T = discussions[0].correct.length;
  const A = T ? discussions[0].correct[0].length : 0;
  const n = discussions.length;
  const out: TurnMetrics[] = Array.from({ length: T }, () => ({
    majorityAccuracy: 0,
    meanAgentAccuracy: 0,
    agentAccuracy: new Array<number>(A).fill(0),
    wrongToRight: new Array<number>(A).fill(0),
    rightToWrong: new Array<number>(A).fill(0),
  }));
  const anyRight = new Array<number>(T).fill(0); // [T] discussions with at least one agent right
  discussions.forEach((d, i) => {
    if (
      d.correct.length !== T ||
      d.answers.length !== T ||
      d.correct.some((row, t) => row.length !== A || d.answers[t].length !== A)
    ) {
      throw new Error(`turnMetrics: discussion ${i} is not ${T} turns x ${A} agents like discussion 0`);
    }
    majorityByTurn(d).forEach((vote, t) => (out[t].majorityAccuracy += vote.credit)); // sums; divided by n below
    for (let t = 0; t < T; t++) {
      if (d.correct[t].some(Boolean)) anyRight[t]++;
      for (let a = 0; a < A; a++) {
        const now = d.correct[t][a];
        if (now) out[t].agentAccuracy[a]++;
        if (t > 0 && !d.correct[t - 1][a] && now) out[t].wrongToRight[a]++;
        if (t > 0 && d.correct[t - 1][a] && !now) out[t].rightToWrong[a]++;
      }
    }
  });
  for (const [t, m] of out.entries()) {
    m.majorityAccuracy /= n;
    m.oracle = anyRight[t] / n;
    m.agentAccuracy = m.agentAccuracy.map((c) => c / n);
    m.meanAgentAccuracy = A ? m.agentAccuracy.reduce((s, x) => s + x, 0) / A : 0;
  }
  return out;
}

/**
 * Does an agent check its peers' answers before taking one? Over every agent at every turn t > 0 and
 * every distinct answer a peer gave at t - 1 that differs from the agent's own: how often the agent
 * now gives that answer, split by whether it was right. An agent that checks adopts right answers
 * far more often than wrong ones; one that herds adopts both alike.
 */
export interface AdoptionCounts {
  /** Right peer answers that differed from the agent's own, and how many the agent then gave. */
  rightOffered: number;
  rightAdopted: number;
  /** The same for wrong peer answers. */
  wrongOffered: number;
  wrongAdopted: number;
}

export function adoptionCounts(discussions: readonly DiscussionOutcome[]): AdoptionCounts {
  const c: AdoptionCounts = { rightOffered: 0, rightAdopted: 0, wrongOffered: 0, wrongAdopted: 0 };
  for (const d of discussions) {
    for (let t = 1; t < d.answers.length; t++) {
      const before = d.answers[t - 1];
      before.forEach((own, a) => {
        const offered = new Map<string, boolean>(); // distinct peer answer -> right
        before.forEach((peer, j) => {
          if (j !== a && peer !== null && peer !== own) offered.set(peer, (offered.get(peer) ?? false) || d.correct[t - 1][j]);
        });
        for (const [answer, right] of offered) {
          const adopted = d.answers[t][a] === answer ? 1 : 0;
          if (right) {
            c.rightOffered++;
            c.rightAdopted += adopted;
          } else {
            c.wrongOffered++;
            c.wrongAdopted += adopted;
          }
        }
      });
    }
  }
  return c;
}
