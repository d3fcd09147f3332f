// How a prompt/completion pair becomes one training sequence, and a prompt alone the start of a
// generation, so that training and sampling see the same layout.
//
//   chat  (the tokenizer has a chat template, e.g. the built-in presets, Qwen2.5-Instruct):
//         template([{role: "user", content: prompt}], add_generation_prompt) | completion | EOS
//   plain (no template, or asked for): BOS (when the tokenizer adds one) prompt | completion | EOS
//
// Prompt and completion are tokenized separately, so the boundary is exact and the prompt's tokens
// are those a generation from the same prompt starts with. The loss covers the completion and EOS.
import type { Tokenizer } from '../io/tokenizer';

/**
 * The id written into the padded positions of a batch: the tokenizer's pad token, else EOS, else 0.
 * Padded positions are masked wherever a batch is used (attention, loss, actions), so the id changes
 * no number; one rule keeps a model's batches alike wherever they are built.
 */
export function padTokenId(tokenizer: Pick<Tokenizer, 'padId' | 'eosId'>): number {
  return tokenizer.padId ?? tokenizer.eosId ?? 0;
}

/** `auto`: chat when the tokenizer has a chat template, else plain. */
export type PromptFormat = 'auto' | 'chat' | 'plain';

export function resolveFormat(tokenizer: Tokenizer, format: PromptFormat): 'chat' | 'plain' {
  if (format === 'chat' && tokenizer.chatTemplate === null)
    throw new Error(`${tokenizer.source}: the tokenizer has no chat template (use the plain format)`);
  return format === 'auto' ? (tokenizer.chatTemplate === null ? 'plain' : 'chat') : format;
}

/** Token ids a generation from `prompt` starts with. */
export function promptTokens(tokenizer: Tokenizer, prompt: string, format: PromptFormat = 'auto'): number[] {
  if (resolveFormat(tokenizer, format) === 'plain') return tokenizer.encode(prompt);
  const text = tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true })!;
  return tokenizer.encode(text, { addSpecialTokens: false }); // the template holds BOS itself
}

export interface SftSequence {
  /** prompt tokens, then completion tokens and EOS */
  ids: number[];
  /** ids[promptLength..] are trained on */
  promptLength: number;
}

/** The training sequence of one pair (see the file comment); EOS is appended when the tokenizer has one. */
export function sftExampleTokens(
  tokenizer: Tokenizer,
  example: { prompt: string; completion: string },
  format: PromptFormat = 'auto',
): SftSequence {
  const prompt = promptTokens(tokenizer, example.prompt, format);
  const completion = tokenizer.encode(example.completion, { addSpecialTokens: false });
  if (tokenizer.eosId !== null) completion.push(tokenizer.eosId);
  return { ids: [...prompt, ...completion], promptLength: prompt.length };
}
