// The words of the built-in synthetic tasks (tasks/synthetic: arith, nli), defined once here, below
// both users: the tasks' templates draw names, items, kinds and colours from these lists, and the
// built-in tokenizer (builtinTokenizer.ts) makes every word a single token, in this order (the order
// fixes its merges, so reordering changes the tokenizer). Kept short on purpose: tiny agents must
// learn the templates in minutes. Pure data.

export const NAMES = ['Ann', 'Bo', 'Cy', 'Dan', 'Eve', 'Max', 'Sam', 'Tom', 'Zoe'] as const;

/** Countable items of the arithmetic task (already plural). */
export const ITEMS = ['pens', 'eggs', 'cards', 'coins', 'books', 'cups'] as const;

/** Animal kinds of the entailment task; the plural adds `s`. */
export const KINDS = ['cat', 'dog', 'bird', 'frog', 'duck', 'cow'] as const;

/** Colours of the entailment task. Every thing has exactly one colour (the rule that makes "Tom is blue" contradict "Tom is red"). */
export const COLORS = ['red', 'blue', 'green', 'gray'] as const;

/** The templates' own words (arith, then nli). */
const TEMPLATE_WORDS = [
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
] as const;

/** Every word the built-in templates can produce, in the tokenizer's order. */
export const TASK_WORDS: readonly string[] = [
  ...NAMES,
  ...ITEMS,
  ...KINDS,
  ...KINDS.map((k) => `${k}s`),
  ...COLORS,
  ...TEMPLATE_WORDS,
];
