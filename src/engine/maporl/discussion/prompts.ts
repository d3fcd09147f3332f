// Discussion prompts (Park et al. 2025, §3). Turn 0: the question alone. Turn t > 0: the
// question, the agent's own previous response and the other agents' previous responses, each
// optionally with its verifier score (the official code's reward feedback). Templates come from the
// config (`discussion.templates`, placeholders `{question}`, `{own}`, `{others}`; for one response
// `{response}` and `{score}`). The result is plain text: a chat model gets it as the user message.

import { MaporlConfigSchema, type DiscussionTemplates } from '../../../protocol/configSchema';

/** One response of the previous turn, as the next prompt shows it. */
export interface PreviousResponse {
  /** Full response text. */
  text: string;
  /** Extracted final answer, null when it stated none. */
  answer: string | null;
  /** Verifier score in [0, 1], shown when feedVerifierScores is on. */
  score?: number;
}

export interface PromptOptions {
  templates: DiscussionTemplates;
  /** Show previous responses by final answer (`answer`) or in full (`text`). */
  show: 'answer' | 'text';
  feedVerifierScores: boolean;
}

/** The prompt options of a config's `discussion` section (the fields of PromptOptions, nothing else). */
export function promptOptionsOf(discussion: PromptOptions): PromptOptions {
  return { templates: discussion.templates, show: discussion.show, feedVerifierScores: discussion.feedVerifierScores };
}

/** The config's defaults, for callers without a config (tests, `maporl sft` data). */
export function defaultPromptOptions(): PromptOptions {
  return promptOptionsOf(MaporlConfigSchema.parse({}).discussion);
}

/** Shown in place of a previous response that stated no answer (show: "answer"). */
export const NO_ANSWER = '?';

/**
 * Replace `{name}` placeholders in one pass (a value that itself contains `{own}` — e.g. a question —
 * is never expanded again). Unknown placeholders stay as written; the config schema rejects them.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z_]\w*)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name] : whole));
}

function showResponse(r: PreviousResponse, opts: PromptOptions): string {
  const response = opts.show === 'text' ? r.text.trim() : (r.answer ?? NO_ANSWER);
  if (!opts.feedVerifierScores) return fillTemplate(opts.templates.response, { response });
  if (r.score === undefined || !Number.isFinite(r.score))
    throw new Error('feedVerifierScores is on but a previous response has no verifier score');
  return fillTemplate(opts.templates.scoredResponse, { response, score: r.score.toFixed(2) });
}

export interface PromptInput {
  question: string;
  /** 0-based turn. */
  turn: number;
  /** This agent's response at turn - 1 (required for turn > 0). */
  own?: PreviousResponse;
  /** The other agents' responses at turn - 1, in agent order (required for turn > 0). */
  others?: readonly PreviousResponse[];
}

/** The prompt of one agent at one turn. */
export function renderPrompt(input: PromptInput, opts: PromptOptions): string {
  if (input.turn === 0) return fillTemplate(opts.templates.first, { question: input.question });
  if (!input.own || !input.others) throw new Error(`renderPrompt: turn ${input.turn} needs the previous turn's responses`);
  return fillTemplate(opts.templates.later, {
    question: input.question,
    own: showResponse(input.own, opts),
    others: input.others.map((r) => showResponse(r, opts)).join(opts.templates.separator),
  });
}

/** Prompts of every agent at turn t > 0 from the previous turn's responses [A] (others in agent order). */
export function renderTurnPrompts(
  question: string,
  turn: number,
  previous: readonly PreviousResponse[],
  opts: PromptOptions,
): string[] {
  return previous.map((own, a) => renderPrompt({ question, turn, own, others: previous.filter((_, j) => j !== a) }, opts));
}
