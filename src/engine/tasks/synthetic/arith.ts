// `arith`: short multi-step arithmetic word problems with worked solutions (the GSM8K analogue).
//
// A problem is a start amount and one to three actions, 2 or 3 arithmetic steps in all, single-digit
// operands and results below 100, e.g.
//   Ann has 3 bags of 4 pens. Bo gives Ann 5. Ann loses 2. How many pens now?
//   3*4=12. 12+5=17. 17-2=15. Answer: 15
// The solution writes one `a op b = c.` per step, so an agent can get the method right and slip on
// one sum — which is what makes a second opinion useful.

import type { Rng } from '../../core/random';
import { ITEMS, NAMES } from './vocab';

export interface SyntheticProblem {
  question: string;
  /** Worked solution ending in `Answer: <answer>`. */
  solution: string;
  /** Normalised gold answer. */
  answer: string;
}

interface State {
  value: number;
  sentences: string[];
  steps: string[];
}

type Action = (rng: Rng, s: State, who: string, other: string) => boolean;

const add = (s: State, n: number) => {
  s.steps.push(`${s.value}+${n}=${s.value + n}.`);
  s.value += n;
};
const sub = (s: State, n: number) => {
  s.steps.push(`${s.value}-${n}=${s.value - n}.`);
  s.value -= n;
};

/** Actions by the number of steps they take. Each returns false when it does not fit the state. */
const ONE_STEP: Action[] = [
  (rng, s, who) => {
    const n = rng.int(1, 9);
    s.sentences.push(`${who} buys ${n} more.`);
    add(s, n);
    return true;
  },
  (rng, s, who, other) => {
    const n = rng.int(1, 9);
    s.sentences.push(`${other} gives ${who} ${n}.`);
    add(s, n);
    return true;
  },
  (rng, s, who, other) => {
    if (s.value < 2) return false;
    const n = rng.int(1, Math.min(9, s.value - 1));
    s.sentences.push(`${who} gives ${n} to ${other}.`);
    sub(s, n);
    return true;
  },
  (rng, s, who) => {
    if (s.value < 2) return false;
    const n = rng.int(1, Math.min(9, s.value - 1));
    s.sentences.push(`${who} loses ${n}.`);
    sub(s, n);
    return true;
  },
];

const TWO_STEP: Action[] = [
  (rng, s, who) => {
    const bags = rng.int(2, 4);
    const each = rng.int(2, 5);
    s.sentences.push(`${who} buys ${bags} bags of ${each}.`);
    s.steps.push(`${bags}*${each}=${bags * each}.`);
    add(s, bags * each);
    return true;
  },
];

/** One problem, or null when the random choices overshoot the limits (the caller draws again). */
export function makeArith(rng: Rng): SyntheticProblem | null {
  const who = rng.pick(NAMES);
  let other = rng.pick(NAMES);
  while (other === who) other = rng.pick(NAMES);
  const item = rng.pick(ITEMS);
  const target = rng.int(2, 3);
  const s: State = { value: 0, sentences: [], steps: [] };

  if (rng.bool(0.35)) {
    const bags = rng.int(2, 4);
    const each = rng.int(2, 5);
    s.sentences.push(`${who} has ${bags} bags of ${each} ${item}.`);
    s.steps.push(`${bags}*${each}=${bags * each}.`);
    s.value = bags * each;
  } else {
    s.value = rng.int(2, 9);
    s.sentences.push(`${who} has ${s.value} ${item}.`);
  }
  while (s.steps.length < target) {
    const left = target - s.steps.length;
    const pool = left >= 2 && rng.bool(0.3) ? TWO_STEP : ONE_STEP;
    rng.pick(pool)(rng, s, who, other);
  }
  if (s.value >= 100) return null;
  const answer = String(s.value);
  return {
    question: `${s.sentences.join(' ')} How many ${item} now?`,
    solution: `${s.steps.join(' ')} Answer: ${answer}`,
    answer,
  };
}
