// `nli`: rule-based entailment over tiny worlds of animals and colours (the ANLI analogue).
//
// The premise states up to three facts — kinds ("Tom is a cat."), quantified rules ("All cats are
// red." / "No cat is red." / "Some cats are red.") and colours ("Tom is red." / "Tom is not red.") —
// and the hypothesis says "X is c." or "X is not c.". Every thing has exactly one colour. The label
// is computed by `judge`, not chosen by a template, and comes with a short rationale:
//   Premise: All cats are red. Tom is a cat.
//   Hypothesis: Tom is not red.
//   Tom is a cat, all cats are red. So Tom is red. Answer: contradiction

import type { Rng } from '../../core/random';
import { nliQuestion } from '../loaders';
import { NLI_LABELS, type NliLabel } from '../answers';
import type { SyntheticProblem } from './arith';
import { COLORS, KINDS, NAMES } from './vocab';

export type Fact =
  | { type: 'kind'; name: string; kind: string }
  | { type: 'rule'; quant: 'all' | 'no' | 'some'; kind: string; color: string }
  | { type: 'color'; name: string; color: string; neg: boolean };

export interface Hypothesis {
  name: string;
  color: string;
  neg: boolean;
}

function sentence(f: Fact): string {
  switch (f.type) {
    case 'kind':
      return `${f.name} is a ${f.kind}.`;
    case 'rule':
      return f.quant === 'all'
        ? `All ${f.kind}s are ${f.color}.`
        : f.quant === 'no'
          ? `No ${f.kind} is ${f.color}.`
          : `Some ${f.kind}s are ${f.color}.`;
    case 'color':
      return `${f.name} is ${f.neg ? 'not ' : ''}${f.color}.`;
  }
}

/** A colour that the facts force on (`is`) or off (`isNot`) a name, with the words that say why. */
interface Reason {
  color: string;
  is: boolean;
  why: string;
}

function reasonsFor(facts: readonly Fact[], name: string): Reason[] {
  const kinds = facts
    .filter((f): f is Extract<Fact, { type: 'kind' }> => f.type === 'kind' && f.name === name)
    .map((f) => f.kind);
  const out: Reason[] = [];
  for (const f of facts) {
    if (f.type === 'color' && f.name === name) out.push({ color: f.color, is: !f.neg, why: sentence(f).slice(0, -1) });
    if (f.type === 'rule' && f.quant !== 'some' && kinds.includes(f.kind)) {
      const rule = f.quant === 'all' ? `all ${f.kind}s are ${f.color}` : `no ${f.kind} is ${f.color}`;
      out.push({ color: f.color, is: f.quant === 'all', why: `${name} is a ${f.kind}, ${rule}` });
    }
  }
  return out;
}

/** Whether the facts about a name contradict each other (two colours, or a colour both on and off). */
function inconsistent(reasons: readonly Reason[]): boolean {
  const on = new Set(reasons.filter((r) => r.is).map((r) => r.color));
  return on.size > 1 || reasons.some((r) => !r.is && on.has(r.color));
}

/** The label of a hypothesis under the facts, and a one-line rationale; null for an inconsistent premise. */
export function judge(facts: readonly Fact[], h: Hypothesis): { label: NliLabel; rationale: string } | null {
  const names = new Set(facts.flatMap((f) => ('name' in f ? [f.name] : [])).concat(h.name));
  for (const n of names) if (inconsistent(reasonsFor(facts, n))) return null;
  const reasons = reasonsFor(facts, h.name);
  // Decisive reason for "name is color": the colour itself stated on or off, else another colour on.
  const r =
    reasons.find((x) => x.color === h.color && x.is) ??
    reasons.find((x) => x.color === h.color && !x.is) ??
    reasons.find((x) => x.color !== h.color && x.is);
  if (!r) return { label: 'neutral', rationale: `Nothing says if ${h.name} is ${h.color}.` };
  const holds = r.color === h.color && r.is; // truth of the positive statement "name is color"
  const conclusion = `${h.name} is ${holds ? '' : 'not '}${h.color}`;
  const rationale = r.why === conclusion ? `${r.why}.` : `${r.why}. So ${conclusion}.`;
  return { label: holds !== h.neg ? 'entailment' : 'contradiction', rationale };
}

function otherThan<T>(rng: Rng, items: readonly T[], not: T): T {
  let x = rng.pick(items);
  while (x === not) x = rng.pick(items);
  return x;
}

/** One premise/hypothesis pair with the given label, or null when the draw does not fit (draw again). */
export function makeNli(rng: Rng, want: NliLabel = rng.pick(NLI_LABELS)): SyntheticProblem | null {
  const subject = rng.pick(NAMES);
  const kind = rng.pick(KINDS);
  const facts: Fact[] = [];
  if (rng.bool(0.85)) facts.push({ type: 'kind', name: subject, kind });
  if (rng.bool(0.8))
    facts.push({ type: 'rule', quant: rng.pick(['all', 'all', 'no', 'some'] as const), kind, color: rng.pick(COLORS) });
  if (rng.bool(0.3)) facts.push({ type: 'color', name: subject, color: rng.pick(COLORS), neg: rng.bool(0.4) });
  if (facts.length < 3 && rng.bool(0.5)) {
    const other = otherThan(rng, NAMES, subject);
    facts.push(
      rng.pick([
        { type: 'kind', name: other, kind: rng.pick(KINDS) },
        { type: 'rule', quant: 'all', kind: otherThan(rng, KINDS, kind), color: rng.pick(COLORS) },
        { type: 'color', name: other, color: rng.pick(COLORS), neg: false },
      ] as Fact[]),
    );
  }
  if (facts.length === 0) return null;
  const mentioned = facts.flatMap((f) => ('color' in f ? [f.color] : []));
  const h: Hypothesis = {
    name: rng.bool(0.1) ? rng.pick(NAMES) : subject,
    color: mentioned.length && rng.bool(0.7) ? rng.pick(mentioned) : rng.pick(COLORS),
    neg: rng.bool(0.3),
  };
  const verdict = judge(facts, h);
  if (!verdict || verdict.label !== want) return null;
  const premise = rng.shuffle(facts).map(sentence).join(' ');
  const hypothesis = `${h.name} is ${h.neg ? 'not ' : ''}${h.color}.`;
  return {
    question: nliQuestion(premise, hypothesis),
    solution: `${verdict.rationale} Answer: ${verdict.label}`,
    answer: verdict.label,
  };
}
