// The small vocabulary of the built-in tasks. Kept short on purpose: tiny agents with a word- or
// character-level tokenizer must learn the templates in minutes, so the tokenizer of the built-in
// presets can list these words as whole tokens (see `syntheticWords`).

export const NAMES = ['Ann', 'Bo', 'Cy', 'Dan', 'Eve', 'Max', 'Sam', 'Tom', 'Zoe'] as const;

/** Countable items of the arithmetic task (already plural). */
export const ITEMS = ['pens', 'eggs', 'cards', 'coins', 'books', 'cups'] as const;

/** Animal kinds of the entailment task; the plural adds `s`. */
export const KINDS = ['cat', 'dog', 'bird', 'frog', 'duck', 'cow'] as const;

/** Colours of the entailment task. Every thing has exactly one colour (the rule that makes "Tom is blue" contradict "Tom is red"). */
export const COLORS = ['red', 'blue', 'green', 'gray'] as const;

/** Every word the built-in templates can produce (for building a small tokenizer vocabulary). */
export function syntheticWords(): string[] {
  const template = [
    'has',
    'bags',
    'of',
    'buys',
    'more',
    'gives',
    'to',
    'loses',
    'How',
    'many',
    'now',
    'Answer',
    'Premise',
    'Hypothesis',
    'All',
    'No',
    'Some',
    'all',
    'no',
    'is',
    'a',
    'are',
    'not',
    'So',
    'Nothing',
    'says',
    'if',
    'entailment',
    'neutral',
    'contradiction',
  ];
  const words = [...NAMES, ...ITEMS, ...KINDS, ...KINDS.map((k) => `${k}s`), ...COLORS, ...template];
  return [...new Set(words)].sort();
}
