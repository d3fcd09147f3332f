// The small vocabulary of the built-in tasks: defined in io/builtinWords.ts, below both of its users
// (these templates, and the built-in tokenizer that makes every word one token); see `syntheticWords`.
import { TASK_WORDS } from '../../io/builtinWords';

export { COLORS, ITEMS, KINDS, NAMES } from '../../io/builtinWords';

/** Every word the built-in templates can produce (for building a small tokenizer vocabulary). */
export function syntheticWords(): string[] {
  return [...new Set(TASK_WORDS)].sort();
}
