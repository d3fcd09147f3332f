// The tokenizer of the built-in tiny presets, generated deterministically in code as a real HF
// `tokenizer.json` (byte-level BPE, the GPT-2 / Llama 3 / Qwen2 scheme) so that it loads through
// the same `Tokenizer` class as any downloaded model, and in other tools.
//
// Vocabulary (512 ids):
//   0..5     special tokens <|pad|> <|bos|> <|eos|> <|system|> <|user|> <|assistant|>
//   6..261   the 256 bytes (GPT-2 byte-to-character map): any text encodes losslessly
//   262..    merges learned by BPE on a word list: the words of the synthetic tasks and the default
//            prompts first (each one becomes a single token, with its leading space: `Ġcats`),
//            then common English words until the vocabulary is full.
// Digits are never merged, so numbers are spelled digit by digit (good for arithmetic).

import * as path from 'node:path';
import { writeJsonAtomic } from './atomic';
import { TASK_WORDS } from './builtinWords';
import { Tokenizer } from './tokenizer';

export const BUILTIN_VOCAB_SIZE = 512;

export const BUILTIN_SPECIAL_TOKENS = ['<|pad|>', '<|bos|>', '<|eos|>', '<|system|>', '<|user|>', '<|assistant|>'] as const;
/** Ids of the special tokens (what a preset's config.json must say). */
export const BUILTIN_SPECIAL_IDS = { pad: 0, bos: 1, eos: 2, system: 3, user: 4, assistant: 5 } as const;

const FIRST_BYTE_ID = BUILTIN_SPECIAL_TOKENS.length;

/**
 * Words that must be single tokens: the synthetic tasks' words (builtinWords.ts, which the tasks
 * import too) and the words of the default prompts and answer formats.
 */
const CORE_WORDS = [...TASK_WORDS, 'A', 'Q', 'You', 'Others', 'Question', 'answer', 'boxed'];

/** Common words merged while the vocabulary has room, most useful first (may end up in pieces). */
const FILLER_WORDS = [
  'the',
  'The',
  'and',
  'in',
  'it',
  'that',
  'what',
  'What',
  'each',
  'total',
  'left',
  'then',
  'was',
  'be',
  'yes',
  'true',
  'false',
  'correct',
  'wrong',
  'agree',
  'step',
  'think',
  'I',
  'my',
  'you',
  'we',
  'so',
  'with',
  'for',
  'on',
  'or',
  'at',
  'by',
  'from',
  'this',
  'which',
  'who',
  'how',
  'much',
  'every',
  'after',
  'before',
  'were',
  'can',
  'will',
  'does',
  'did',
  'because',
  'final',
  'agent',
  'other',
  'others',
  'previous',
  'response',
  'solution',
  'problem',
  'number',
  'times',
  'plus',
  'minus',
  'equals',
  'sum',
  'half',
  'twice',
  'than',
  'less',
  'question',
];

/** Words that also appear without a leading space (at the start of a line, after `<|user|>`, ...). */
function formsOf(word: string): string[] {
  const spaced = `Ġ${word}`;
  const bareToo = /^[A-Z]/.test(word) || ['entailment', 'neutral', 'contradiction', 'boxed', 'answer'].includes(word);
  return bareToo ? [spaced, word] : [spaced];
}

/**
 * GPT-2's reversible byte -> character map: printable bytes map to themselves, the others to
 * U+0100 onwards, so every token is a string of visible characters (space is `Ġ`, newline `Ċ`).
 */
export function byteToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
}

type Merge = [string, string];

/** Applies one merge to a symbol sequence, left to right. */
function applyMerge(symbols: string[], [a, b]: Merge): void {
  for (let i = 0; i < symbols.length - 1; i++) {
    if (symbols[i] === a && symbols[i + 1] === b) symbols.splice(i, 2, a + b);
  }
}

/**
 * Standard BPE training on word types (each counted once): repeatedly merge the most frequent
 * adjacent pair, ties broken by the pair's strings, until no pair is left or `budget` merges exist.
 */
function learnMerges(words: string[], merges: Merge[], budget: number): void {
  const seqs = words.map((w) => Array.from(w));
  for (const m of merges) for (const s of seqs) applyMerge(s, m);
  while (merges.length < budget) {
    const counts = new Map<string, { pair: Merge; n: number }>();
    for (const s of seqs) {
      for (let i = 0; i < s.length - 1; i++) {
        const key = `${s[i]}\u0000${s[i + 1]}`;
        const c = counts.get(key) ?? { pair: [s[i]!, s[i + 1]!] as Merge, n: 0 };
        c.n++;
        counts.set(key, c);
      }
    }
    let best: { pair: Merge; n: number } | undefined;
    for (const c of counts.values()) {
      if (
        !best ||
        c.n > best.n ||
        (c.n === best.n && (c.pair[0] < best.pair[0] || (c.pair[0] === best.pair[0] && c.pair[1] < best.pair[1])))
      )
        best = c;
    }
    if (!best) return;
    merges.push(best.pair);
    for (const s of seqs) applyMerge(s, best.pair);
  }
}

const CHAT_TEMPLATE =
  '{{ bos_token }}{% for message in messages %}' +
  "{% if message['role'] not in ['system', 'user', 'assistant'] %}{{ raise_exception('unknown role: ' + message['role']) }}{% endif %}" +
  "{{ '<|' + message['role'] + '|>' + message['content'] + eos_token }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

export interface BuiltinTokenizerFiles {
  /** The `tokenizer.json` object. */
  tokenizerJson: Record<string, unknown>;
  /** The `tokenizer_config.json` object (special tokens, chat template). */
  tokenizerConfig: Record<string, unknown>;
}

/** The built-in tokenizer's files, generated (deterministically: same output on every call). */
export function builtinTokenizerFiles(): BuiltinTokenizerFiles {
  const bytes = byteToUnicode();
  const merges: Merge[] = [];
  const budget = BUILTIN_VOCAB_SIZE - FIRST_BYTE_ID - 256;
  learnMerges(CORE_WORDS.flatMap(formsOf), merges, budget);
  if (merges.length >= budget)
    throw new Error('builtin tokenizer: the core words need more merges than the vocabulary has room for');
  learnMerges([...CORE_WORDS, ...FILLER_WORDS].flatMap(formsOf), merges, budget);

  const vocab: Record<string, number> = {};
  BUILTIN_SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  bytes.forEach((ch, b) => (vocab[ch] = FIRST_BYTE_ID + b));
  merges.forEach(([a, b], i) => (vocab[a + b] = FIRST_BYTE_ID + 256 + i));
  if (Object.keys(vocab).length !== FIRST_BYTE_ID + 256 + merges.length) throw new Error('builtin tokenizer: duplicate token');

  const addedTokens = BUILTIN_SPECIAL_TOKENS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const bos = BUILTIN_SPECIAL_TOKENS[BUILTIN_SPECIAL_IDS.bos];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    // encode(..., addSpecialTokens) puts BOS first, as Llama's tokenizer does.
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [BUILTIN_SPECIAL_IDS.bos], tokens: [bos] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: bos,
    eos_token: BUILTIN_SPECIAL_TOKENS[BUILTIN_SPECIAL_IDS.eos],
    pad_token: BUILTIN_SPECIAL_TOKENS[BUILTIN_SPECIAL_IDS.pad],
    unk_token: null,
    clean_up_tokenization_spaces: false, // decode(encode(s)) === s
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
  };
  return { tokenizerJson, tokenizerConfig };
}

/** Writes `tokenizer.json` and `tokenizer_config.json` of the built-in tokenizer into `dir`. */
export function writeBuiltinTokenizer(dir: string): void {
  const { tokenizerJson, tokenizerConfig } = builtinTokenizerFiles();
  writeJsonAtomic(path.join(dir, 'tokenizer.json'), tokenizerJson);
  writeJsonAtomic(path.join(dir, 'tokenizer_config.json'), tokenizerConfig);
}

/** The built-in tokenizer, in memory. */
export function builtinTokenizer(): Tokenizer {
  const { tokenizerJson, tokenizerConfig } = builtinTokenizerFiles();
  return Tokenizer.fromJson(tokenizerJson, tokenizerConfig, { source: '<builtin tokenizer>' });
}
