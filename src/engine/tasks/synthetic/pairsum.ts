// `pairsum`: find the two numbers of a list that add up to a target (the positive control).
//
//   Numbers 7 2 9 4 6 15. Which two sum to 13?
//   4+9=13. Answer: 4 9
//
// Built so that checking an answer is much easier than finding it: finding searches the n(n-1)/2
// pairs of the list, checking is one addition and two look-ups. That is the generation-verification
// gap a discussion can exploit (a peer's right answer is easy to recognise), which the arithmetic
// and NLI tasks lack at this model size (docs/results.md). The numbers are distinct and exactly one
// pair sums to the target, so the answer (the pair, smaller first) is unique.

import type { Rng } from '../../core/random';
import type { SyntheticProblem } from './arith';

/** Difficulty knobs: how many numbers the list holds and the largest of them (the smallest is 1). */
export interface PairsumShape {
  numbers: number;
  max: number;
}

/** The control's calibrated shape (docs/tasks.md): 6 numbers from 1-19, two-digit targets. */
export const DEFAULT_PAIRSUM_SHAPE: PairsumShape = { numbers: 6, max: 19 };

/** Targets below this are skipped: one-digit sums are too easy to find by sight. */
const MIN_TARGET = 10;

/** One problem, or null when no two-digit sum of the drawn list is made by exactly one pair. */
export function makePairsum(rng: Rng, shape: PairsumShape = DEFAULT_PAIRSUM_SHAPE): SyntheticProblem | null {
  const list = rng.shuffle(Array.from({ length: shape.max }, (_, i) => i + 1)).slice(0, shape.numbers);
  const pairsBySum = new Map<number, [number, number][]>();
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const sum = list[i] + list[j];
      pairsBySum.set(sum, [...(pairsBySum.get(sum) ?? []), [Math.min(list[i], list[j]), Math.max(list[i], list[j])]]);
    }
  const unique = [...pairsBySum.entries()].filter(([sum, pairs]) => sum >= MIN_TARGET && pairs.length === 1);
  if (unique.length === 0) return null;
  const [target, [[a, b]]] = rng.pick(unique.sort(([x], [y]) => x - y));
  return {
    question: `Numbers ${list.join(' ')}. Which two sum to ${target}?`,
    solution: `${a}+${b}=${target}. Answer: ${a} ${b}`,
    answer: `${a} ${b}`,
  };
}

/** The list and the target a pairsum question states; null for any other text. */
export function parsePairsum(question: string): { list: number[]; target: number } | null {
  const m = /^Numbers ([\d ]+)\. Which two sum to (\d+)\?$/.exec(question);
  return m ? { list: m[1].split(' ').map(Number), target: Number(m[2]) } : null;
}

/** Does a normalised pair answer (`"a b"`) solve a pairsum question? Reads the question's text. */
export function checksOut(question: string, pair: string | null): boolean {
  const q = parsePairsum(question);
  if (!q || pair === null) return false;
  const [a, b] = pair.split(' ').map(Number);
  return a !== b && q.list.includes(a) && q.list.includes(b) && a + b === q.target;
}

/**
 * A wrong proposal for a pairsum question, in the solution's format, of the kinds the SFT'd agents
 * make (docs/results.md "A verifier that checks"): a number of the list with its complement outside
 * the list ("12+19=31" where 19 is not listed; most of their errors), two unlisted numbers that sum
 * to the target, or two listed numbers with another sum, claimed as the target or written honestly.
 * Null when the question is no pairsum question or the drawn kind has no instance.
 */
export function pairsumNearMiss(question: string, rng: Rng): string | null {
  const q = parsePairsum(question);
  if (!q) return null;
  const listed = new Set(q.list);
  const kind = rng.int(0, 4);
  let pair: [number, number] | null = null;
  if (kind <= 2) {
    // x listed (kinds 0-1) or not (kind 2), and its complement to the target unlisted.
    const from = kind <= 1 ? q.list : Array.from({ length: q.target - 1 }, (_, i) => i + 1).filter((x) => !listed.has(x));
    const xs = from.filter((x) => q.target - x >= 1 && q.target - x !== x && !listed.has(q.target - x));
    if (xs.length) {
      const x = rng.pick(xs);
      pair = [x, q.target - x];
    }
  } else {
    const pairs = q.list.flatMap((x, i) =>
      q.list.slice(i + 1).flatMap((y) => (x + y === q.target ? [] : [[x, y] as [number, number]])),
    );
    if (pairs.length) pair = rng.pick(pairs);
  }
  if (!pair) return null;
  const [a, b] = pair[0] < pair[1] ? pair : [pair[1], pair[0]];
  return `${a}+${b}=${kind === 4 ? a + b : q.target}. Answer: ${a} ${b}`;
}
