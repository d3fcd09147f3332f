// `maporl sft` data for base agents: JSONL `{"prompt", "completion"}` pairs whose prompts are the
// discussion prompts the agents will see, and whose completions are worked solutions.
//
// Most pairs use the turn-0 prompt. A share (`discussionFraction`) uses the later-turn prompt with
// made-up previous responses, half of them right and half wrong, and still the worked solution as
// completion: base agents learn to read the format but not to use it (they solve from scratch), the
// "off-the-shelf agents do not improve over turns" starting point that MAPoRL training changes.

import { NLI_LABELS, extractAnswer, type AnswerKind } from '../../tasks/answers';
import { writeJsonlAtomic } from '../../tasks/jsonl';
import { Rng } from '../../core/random';
import {
  DEFAULT_PAIRSUM_SHAPE,
  generateSplit,
  pairsumNearMiss,
  parsePairsum,
  type BuiltinTask,
  type PairsumShape,
} from '../../tasks/synthetic';
import { answerKindOf, type Split, type TaskRecord } from '../../tasks/types';
import type { MadeUpErrors } from '../../../protocol/choices';
import { defaultPromptOptions, renderPrompt, type PreviousResponse, type PromptOptions } from '../discussion/prompts';

export interface SftRecord {
  prompt: string;
  completion: string;
}

export interface SftOptions {
  prompt?: PromptOptions;
  /** Share of pairs in the later-turn format (default 0.3). */
  discussionFraction?: number;
  /** Agents in the made-up discussions (default 3). */
  agents?: number;
  /**
   * How a made-up wrong arithmetic response goes wrong (default `final-answer`):
   * `final-answer` keeps the worked steps and changes only the stated answer; `slip` gets one step's
   * result off by 1-3 and carries the error through the later steps to the answer, as the agents'
   * own mistakes do; `near-miss` is `slip` for arithmetic, and for pairsum a near miss of the kinds
   * the agents make (tasks/synthetic/pairsum.ts pairsumNearMiss: mostly a listed number with its
   * unlisted complement) instead of another listed pair. NLI responses always keep the rationale
   * and change the label.
   */
  madeUpErrors?: MadeUpErrors;
  /** Difficulty of pairsum questions (default: the calibrated shape). */
  pairsum?: PairsumShape;
}

/** A plausible wrong answer: a nearby non-negative number, another NLI label, another pair of the list. */
function wrongAnswer(rng: Rng, kind: AnswerKind, gold: string, question: string): string {
  if (kind === 'label') return rng.pick(NLI_LABELS.filter((l) => l !== gold));
  if (kind === 'pair') {
    const [a, b] = rng.shuffle(parsePairsum(question)?.list ?? []);
    const pair = `${Math.min(a, b)} ${Math.max(a, b)}`;
    return pair === gold ? wrongAnswer(rng, kind, gold, question) : pair;
  }
  const g = Number(gold);
  if (kind === 'number' && Number.isFinite(g)) {
    const delta = rng.int(1, 3) * (rng.bool() || g < 4 ? 1 : -1);
    return String(g + delta);
  }
  return `${gold}?`; // free text: anything that differs
}

const STEP = /^(\d+)([-+*])(\d+)=(\d+)\.$/;

/**
 * The worked steps `a op b=c.` with one result off by 1-3 and every later step recomputed from the
 * wrong value; null when the reasoning is not such steps (NLI, GSM8K) or the slip would go negative.
 * Returns the steps and the (wrong) final value.
 */
export function slippedSteps(rng: Rng, reasoning: string): { reasoning: string; answer: string } | null {
  const steps = reasoning.split(/\s+/).map((s) => STEP.exec(s));
  if (steps.length === 0 || steps.some((m) => m === null)) return null;
  const parsed = (steps as RegExpExecArray[]).map((m) => ({ a: +m[1], op: m[2], b: +m[3], c: +m[4] }));
  const at = rng.int(0, parsed.length - 1);
  const delta = rng.int(1, 3) * (rng.bool() ? 1 : -1);
  // Wrong values by their right ones: a later step's operand that equals an earlier (right) result
  // is that result carried forward, so it takes the wrong value instead.
  const carried = new Map<number, number>();
  const out: string[] = [];
  let c = 0;
  for (const [i, s] of parsed.entries()) {
    const a = carried.get(s.a) ?? s.a;
    const b = carried.has(s.a) ? s.b : (carried.get(s.b) ?? s.b);
    c = (s.op === '+' ? a + b : s.op === '-' ? a - b : a * b) + (i === at ? delta : 0);
    if (c < 0) return null;
    if (c !== s.c) carried.set(s.c, c);
    out.push(`${a}${s.op}${b}=${c}.`);
  }
  return { reasoning: out.join(' '), answer: String(c) };
}

function madeUpResponse(rng: Rng, kind: AnswerKind, r: TaskRecord, right: boolean, errors: MadeUpErrors): PreviousResponse {
  const gold = r.solution ? r.solution.replace(/\s*Answer:[^\n]*$/i, '') : '';
  if (!right && errors === 'near-miss' && kind === 'pair') {
    const text = pairsumNearMiss(r.question, rng);
    const answer = text && extractAnswer('pair', text);
    if (text && answer) return { answer, text, score: rng.float() / 2 };
  }
  const slips = errors === 'slip' || errors === 'near-miss';
  const slip = !right && slips && kind !== 'pair' ? slippedSteps(rng, gold) : null; // a pair has no steps to slip
  const [reasoning, answer] =
    slip && slip.answer !== r.answer
      ? [slip.reasoning, slip.answer]
      : [gold, right ? r.answer : wrongAnswer(rng, kind, r.answer, r.question)];
  // A pair, right or wrong, claims the target, as the agents' own wrong pairs do (`2+6=13.`): checking shows which.
  const text =
    kind === 'pair'
      ? `${answer.replace(' ', '+')}=${parsePairsum(r.question)?.target}. Answer: ${answer}`
      : `${reasoning} Answer: ${answer}`.trim();
  return {
    answer,
    text,
    score: right ? 0.5 + rng.float() / 2 : rng.float() / 2,
  };
}

/** SFT pairs for task records that carry a worked `solution` (built-in tasks, GSM8K). */
export function sftRecordsFrom(
  records: readonly TaskRecord[],
  kind: AnswerKind,
  seed: number,
  opts: SftOptions = {},
): SftRecord[] {
  const promptOpts = opts.prompt ?? defaultPromptOptions();
  const fraction = opts.discussionFraction ?? 0.3;
  const agents = opts.agents ?? 3;
  const errors = opts.madeUpErrors ?? 'final-answer';
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`discussionFraction must be in [0, 1], got ${fraction}`);
  if (!Number.isInteger(agents) || agents < 1) throw new Error(`agents must be a positive integer, got ${agents}`);
  const rng = new Rng(seed, 'sft/discussion');
  return records.map((r) => {
    if (!r.solution) throw new Error(`${r.source.file}:${r.source.line}: record has no worked solution for SFT`);
    const later = rng.bool(fraction);
    const prompt = later
      ? renderPrompt(
          {
            question: r.question,
            turn: 1,
            own: madeUpResponse(rng, kind, r, rng.bool(), errors),
            others: Array.from({ length: agents - 1 }, () => madeUpResponse(rng, kind, r, rng.bool(), errors)),
          },
          promptOpts,
        )
      : renderPrompt({ question: r.question, turn: 0 }, promptOpts);
    return { prompt, completion: (/\s$/.test(prompt) ? '' : ' ') + r.solution };
  });
}

/** `n` SFT pairs of a built-in task's split, deterministic in (task, split, n, seed). */
export function sftRecords(task: BuiltinTask, split: Split, n: number, seed: number, opts: SftOptions = {}): SftRecord[] {
  return sftRecordsFrom(
    generateSplit(task, split, n, seed, opts.pairsum ?? DEFAULT_PAIRSUM_SHAPE),
    answerKindOf(task),
    seed,
    opts,
  );
}

/** Write SFT pairs as the JSONL `maporl sft --data` reads (atomically). */
export function writeSftJsonl(file: string, records: readonly SftRecord[]): void {
  writeJsonlAtomic(file, records);
}
