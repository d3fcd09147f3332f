// MAPoRL's reward for every response of one discussion (Park et al. 2025, §4).
//
// Inputs are per-discussion matrices indexed [turn][agent] (turn 0 = the independent first
// answers): V[t][a] the verifier score in [0, 1] (or 0/1 for the ground-truth verifier) and
// correct[t][a] the ground-truth grade. The PPO reward of response (t, a) is
//   shapedReward = influenceAwareReward + Σ_k alpha[k] · incentive_k
// and PPO puts it on the response's last token.

export type Matrix = readonly (readonly number[])[];
export type BoolMatrix = readonly (readonly boolean[])[];
export type Alpha = readonly [number, number, number, number];

/** [T][A] dimensions of a rectangular matrix, or an error naming `what`. */
function dims(m: readonly (readonly unknown[])[], what: string): [number, number] {
  const T = m.length;
  if (T === 0) throw new Error(`${what}: no turns`);
  const A = m[0].length;
  if (A === 0) throw new Error(`${what}: no agents`);
  m.forEach((row, t) => {
    if (row.length !== A) throw new Error(`${what}: turn ${t} has ${row.length} agents, turn 0 has ${A}`);
  });
  return [T, A];
}

/**
 * Influence-aware verification reward: the response's own score, plus the discounted mean score of
 * all agents at every later turn (what this response led to), normalised by the discount mass:
 *
 *   R(t,a) = [ V(t,a) + Σ_{t'=t+1..T-1} γ^{t'-t} · (1/A) Σ_j V(t',j) ] / Σ_{t'=t..T-1} γ^{t'-t}
 *
 * (0-based turns). γ = 0 gives R = V (0^0 = 1); constant V gives R = V; at the last turn R = V.
 */
export function influenceAwareRewards(V: Matrix, gamma: number): number[][] {
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new Error(`reward gamma must be a finite number >= 0, got ${gamma}`);
  const [T, A] = dims(V, 'verifier scores');
  for (const row of V) for (const v of row) if (!Number.isFinite(v)) throw new Error(`verifier scores: non-finite value ${v}`);
  const teamMean = V.map((row) => row.reduce((s, v) => s + v, 0) / A); // [T]
  return V.map((row, t) =>
    row.map((own) => {
      let sum = own;
      let mass = 1; // γ^0
      for (let u = t + 1; u < T; u++) {
        const w = gamma ** (u - t);
        sum += w * teamMean[u];
        mass += w;
      }
      return sum / mass;
    }),
  );
}

/**
 * The four incentive indicators of response (t, a), each -1, 0 or +1; the bonus is
 * Σ_k alpha[k] · terms[k]. "Others right" at a turn means more than half of the OTHER agents are
 * correct there (ground truth); with exactly half, the others count as not right.
 *
 *  [0] persuaded: wrong at t-1, right at t, while the others were right at t-1: +1; the opposite
 *      move (right → wrong while the others were NOT right at t-1, i.e. following them): -1.
 *  [1] corrected: wrong → right while the others were not right at t-1 (on its own): +1; the
 *      opposite (right → wrong while the others were right, i.e. against them): -1.
 *      With a single agent every change is "on its own".
 *  [2] influence while wrong: the agent was wrong at t and the others, as a group, change at t+1:
 *      +1 if they went not-right → right, -1 if right → not-right.
 *  [3] influence while right: the same when the agent was right at t.
 *
 * Sign convention: [0] and [1] follow the official code (`bonus_rule` in MAPoRL's
 * trl/trainer/utils_multi_unified.py). For [2] and [3] the official code SUBTRACTS when the others
 * go wrong → right and ADDS when they go right → wrong, and swaps which weight applies in the
 * second case; that looks inverted against the paper's intent (reward discussion that makes the
 * team right), so here both are positive when the others went wrong → right, with alpha[2] always
 * for a wrong agent and alpha[3] always for a right one. The official code also gives nothing when
 * exactly half of the others are right; here that case counts as "not right".
 */
export function incentiveTerms(correct: BoolMatrix): [number, number, number, number][][] {
  const [T, A] = dims(correct, 'correctness');
  // othersRight[t][a]: more than half of the agents other than a are correct at turn t.
  const othersRight = correct.map((row) => {
    const total = row.filter(Boolean).length;
    return row.map((own) => 2 * (total - (own ? 1 : 0)) > A - 1);
  });
  return correct.map((row, t) =>
    row.map((now, a) => {
      const terms: [number, number, number, number] = [0, 0, 0, 0];
      if (t > 0) {
        const before = correct[t - 1][a];
        const othersWereRight = othersRight[t - 1][a];
        if (!before && now) terms[othersWereRight ? 0 : 1] = 1; // persuaded / corrected
        if (before && !now) terms[othersWereRight || A === 1 ? 1 : 0] = -1; // against right others (or alone) / followed the others
      }
      if (t + 1 < T) {
        const change = Number(othersRight[t + 1][a]) - Number(othersRight[t][a]); // +1 wrong→right, -1 right→wrong
        if (change !== 0) terms[now ? 3 : 2] = change;
      }
      return terms;
    }),
  );
}

/** Σ_k alpha[k] · incentive_k for every response, [T][A]. */
export function incentiveBonuses(correct: BoolMatrix, alpha: Alpha): number[][] {
  if (alpha.length !== 4 || !alpha.every(Number.isFinite)) throw new Error('reward alpha must be four finite numbers');
  return incentiveTerms(correct).map((row) => row.map((k) => k.reduce((s, x, i) => s + alpha[i] * x, 0)));
}

export interface RewardOptions {
  gamma: number;
  alpha: Alpha;
}

/** The reward PPO uses for each response: influence-aware score plus incentive bonus, [T][A]. */
export function shapedRewards(V: Matrix, correct: BoolMatrix, opts: RewardOptions): number[][] {
  const [T, A] = dims(V, 'verifier scores');
  const [Tc, Ac] = dims(correct, 'correctness');
  if (T !== Tc || A !== Ac) throw new Error(`verifier scores are ${T}x${A} but correctness is ${Tc}x${Ac}`);
  const base = influenceAwareRewards(V, opts.gamma);
  const bonus = incentiveBonuses(correct, opts.alpha);
  return base.map((row, t) => row.map((r, a) => r + bonus[t][a]));
}

/**
 * The shaped rewards [T][A] with `penalty` in place of the reward of every response that needs it
 * (below); a penalty of 0 leaves the rewards as they are.
 */
export function withFormatPenalty(
  R: Matrix,
  responses: readonly (readonly { text: string; answer: string | null }[])[],
  penalty: number,
): number[][] {
  return R.map((row, t) =>
    row.map((x, a) => (penalty !== 0 && needsFormatPenalty(responses[t][a].text, responses[t][a].answer) ? penalty : x)),
  );
}

/**
 * A response that earns the format penalty instead of its shaped reward (the paper's code gives a
 * fixed -10 to such responses so that no verifier score can make them pay): it states no parseable
 * answer, or it repeats a phrase of 1-20 words more than 3 times in a row (degenerate loops;
 * phrases made only of numbers are exempt, as in the official check, since "0 0 0 0" can be data).
 */
export function needsFormatPenalty(text: string, answer: string | null): boolean {
  return answer === null || repeatsPhrase(text.split(/\s+/).filter(Boolean), 20, 3);
}

/** Whether some phrase of 1..maxLen words occurs more than maxRepeats times consecutively. */
export function repeatsPhrase(words: readonly string[], maxLen: number, maxRepeats: number): boolean {
  for (let n = 1; n <= maxLen; n++) {
    for (let i = 0; i + n * (maxRepeats + 1) <= words.length; i++) {
      const phrase = words.slice(i, i + n);
      if (phrase.every((w) => /^[\d.,]+$/.test(w))) continue;
      let copies = 1;
      while (copies <= maxRepeats && phrase.every((w, k) => words[i + copies * n + k] === w)) copies++;
      if (copies > maxRepeats) return true;
    }
  }
  return false;
}
