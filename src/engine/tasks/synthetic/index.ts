// Train/test splits of the built-in tasks, generated from a seed.
//
// A question belongs to the test split when a seeded hash of its text falls in the test bucket
// (1 in 5), whatever split is being generated; so the splits are disjoint by construction for any
// sizes, and each split is drawn from its own random stream (asking for more train questions never
// changes the test questions). Questions are distinct within a split.

import type { BuiltinTask } from '../../../protocol/choices';
import { NLI_LABELS } from '../answers';
import { Rng, hashString } from '../../core/random';
import type { Split, TaskRecord } from '../types';
import { makeArith, type SyntheticProblem } from './arith';
import { makeNli } from './nli';
import { DEFAULT_PAIRSUM_SHAPE, makePairsum, type PairsumShape } from './pairsum';

export { DEFAULT_PAIRSUM_SHAPE, checksOut, pairsumNearMiss, parsePairsum, type PairsumShape } from './pairsum';

export type { BuiltinTask };

/** The split a question text belongs to under a seed. */
export function splitOf(question: string, seed: number): Split {
  return hashString(question, seed) % 5 === 0 ? 'test' : 'train';
}

/** Draws of one question before giving up (the template space is far larger than any split). */
const MAX_DRAWS = 2000;

function draw(task: BuiltinTask, rng: Rng, shape: PairsumShape): () => SyntheticProblem | null {
  if (task === 'arith') return () => makeArith(rng);
  if (task === 'pairsum') return () => makePairsum(rng, shape);
  const want = rng.pick(NLI_LABELS); // fix the label first, so labels are balanced
  return () => makeNli(rng, want);
}

/**
 * `n` distinct questions of a built-in task's split; deterministic in (task, split, n, seed, shape).
 * `shape` sets the pairsum task's difficulty (the other tasks have none).
 */
export function generateSplit(
  task: BuiltinTask,
  split: Split,
  n: number,
  seed: number,
  shape: PairsumShape = DEFAULT_PAIRSUM_SHAPE,
): TaskRecord[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`generateSplit: n must be a non-negative integer, got ${n}`);
  const rng = new Rng(seed, `${task}/${split}`);
  const seen = new Set<string>();
  const records: TaskRecord[] = [];
  const file = `builtin:${task}/${split}`;
  while (records.length < n) {
    const next = draw(task, rng, shape);
    let problem: SyntheticProblem | null = null;
    for (let tries = 0; tries < MAX_DRAWS && !problem; tries++) {
      const p = next();
      if (p && !seen.has(p.question) && splitOf(p.question, seed) === split) problem = p;
    }
    if (!problem) throw new Error(`${file}: could not draw ${n} distinct questions (stopped at ${records.length})`);
    seen.add(problem.question);
    const index = records.length;
    records.push({
      id: `${task}-${split}-${index}`,
      question: problem.question,
      answer: problem.answer,
      solution: problem.solution,
      source: { file, line: index + 1 },
    });
  }
  return records;
}
