// Runs multi-agent discussions (Park et al. 2025, §3): at turn 1 every agent answers the question
// alone; at turn t > 1 it sees the question, its own previous response and the others', optionally
// with their verifier scores. All responses of one turn are sampled in one batch per model; the
// models' batches of a turn run side by side when every model samples in a thread of its own.
import type { GenerateOptions, Generation, Sampler } from '../../generate/runtime';
import { promptTokens } from '../../prompts/tokens';
import { extractAnswer, grade, type AnswerKind } from '../../tasks/answers';
import type { TaskRecord } from '../../tasks/types';
import { renderPrompt, type PreviousResponse, type PromptOptions } from './prompts';

export interface Response {
  agent: number;
  turn: number;
  prompt: number[];
  tokens: number[];
  /** The sampler's log-probability of each token (at the sampling temperature). */
  logprobs: number[];
  text: string;
  answer: string | null;
  correct: boolean;
  /** Verifier score in [0, 1]. */
  verifier: number;
}

export interface Discussion {
  record: TaskRecord;
  /** [T][A] */
  turns: Response[][];
}

/** Scores (question, response) pairs in [0, 1]. */
export type VerifierFn = (pairs: { question: string; response: string; correct: boolean }[]) => Promise<number[]>;

export interface DiscussionOptions {
  agents: number;
  turns: number;
  prompt: PromptOptions;
  generation: Omit<GenerateOptions, 'seed'>;
  seed: number;
  kind: AnswerKind;
  /** The model that speaks for `agent` at `turn`. */
  modelFor: (agent: number, turn: number) => Sampler;
  verifier: VerifierFn;
}

export async function runDiscussions(records: readonly TaskRecord[], o: DiscussionOptions): Promise<Discussion[]> {
  const discussions: Discussion[] = records.map((record) => ({ record, turns: [] }));
  // Token ids of each distinct prompt text, per model: every sample of a question has the same
  // first-turn prompt for every agent, and agreeing teams repeat later ones (the chat template and
  // the BPE tokenizer took about 4% of a single-agent row's wall time, profiled).
  const encoded = new Map<Sampler, Map<string, number[]>>();
  const tokensOf = (lm: Sampler, text: string): number[] => {
    const known = encoded.get(lm) ?? encoded.set(lm, new Map()).get(lm)!;
    let ids = known.get(text);
    if (!ids) {
      const budget = lm.model.config.maxPositionEmbeddings - o.generation.maxNewTokens;
      ids = promptTokens(lm.model.tokenizer, text).slice(-budget);
      known.set(text, ids);
    }
    return ids;
  };
  for (let t = 0; t < o.turns; t++) {
    // Prompts of every (question, agent), grouped by the model that answers them.
    const groups = new Map<Sampler, { d: number; a: number; prompt: number[] }[]>();
    discussions.forEach((disc, d) => {
      for (let a = 0; a < o.agents; a++) {
        const lm = o.modelFor(a, t);
        const text =
          t === 0
            ? renderPrompt({ question: disc.record.question, turn: 0 }, o.prompt)
            : renderPrompt(
                {
                  question: disc.record.question,
                  turn: t,
                  own: previous(disc.turns[t - 1][a]),
                  others: disc.turns[t - 1].filter((_, j) => j !== a).map(previous),
                },
                o.prompt,
              );
        const prompt = tokensOf(lm, text); // shared between responses: read-only
        (groups.get(lm) ?? groups.set(lm, []).get(lm)!).push({ d, a, prompt });
      }
    });
    const turnResponses: Response[][] = discussions.map(() => new Array<Response>(o.agents));
    // Each model's batch has its own seed (turn, group): the same samples whether they run one after another or side by side.
    const calls = [...groups].map(([lm, items], g) => ({ lm, items, seed: mixSeed(o.seed, t, g) }));
    const sample = (c: (typeof calls)[number]) =>
      c.lm.generate(
        c.items.map((x) => x.prompt),
        { ...o.generation, seed: c.seed },
      );
    const generated: Generation[][] = [];
    if (calls.every((c) => c.lm.concurrent)) generated.push(...(await Promise.all(calls.map(sample))));
    else for (const c of calls) generated.push(await sample(c));
    calls.forEach(({ items }, g) => {
      const gens = generated[g];
      items.forEach((x, i) => {
        const answer = extractAnswer(o.kind, gens[i].text);
        turnResponses[x.d][x.a] = {
          agent: x.a,
          turn: t,
          prompt: x.prompt,
          tokens: gens[i].tokens,
          logprobs: gens[i].logprobs,
          text: gens[i].text,
          answer,
          correct: grade(o.kind, answer, discussions[x.d].record.answer),
          verifier: NaN,
        };
      });
    });
    const flat = turnResponses.flat();
    const scores = await o.verifier(
      flat.map((r, i) => ({
        question: discussions[Math.floor(i / o.agents)].record.question,
        response: r.text,
        correct: r.correct,
      })),
    );
    flat.forEach((r, i) => (r.verifier = scores[i]));
    discussions.forEach((disc, d) => disc.turns.push(turnResponses[d]));
  }
  return discussions;
}

function previous(r: Response): PreviousResponse {
  return { text: r.text, answer: r.answer, score: r.verifier };
}

/** A per-call seed from the run seed, turn and group (reproducible, distinct). */
function mixSeed(seed: number, turn: number, group: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const x of [turn, group]) h = Math.imul(h ^ (x + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  return h;
}

/** The ground-truth verifier: 1 for a correct answer, else 0. */
export const groundTruthVerifier: VerifierFn = async (pairs) => pairs.map((p) => (p.correct ? 1 : 0));
