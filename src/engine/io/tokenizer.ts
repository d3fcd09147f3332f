// A Hugging Face tokenizer directory (`tokenizer.json`, optional `tokenizer_config.json`,
// `chat_template.jinja` and `config.json`) through @huggingface/tokenizers, with chat templates
// rendered by @huggingface/jinja. Both packages ship a CommonJS build next to their ESM one, so a
// static import works under tsx and in the esbuild CJS bundle alike.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { ModelFileError } from './errors';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface EncodeOptions {
  /** Add the tokenizer's special tokens (e.g. BOS) as its post-processor says. Default true, as in HF. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens (BOS, EOS, PAD, chat markers). Default false. */
  skipSpecialTokens?: boolean;
}

/** The parts of `tokenizer_config.json` we use; the rest goes to the tokenizer library as is. */
interface TokenizerConfigJson {
  bos_token?: unknown;
  eos_token?: unknown;
  pad_token?: unknown;
  unk_token?: unknown;
  chat_template?: unknown;
  [key: string]: unknown;
}

/** The special-token ids of a model's `config.json` (fallback when the tokenizer config has none). */
export interface SpecialTokenIds {
  bos_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
}

// Names of BOS/EOS/PAD tokens in common vocabularies, tried last.
const WELL_KNOWN = {
  bos: ['<|bos|>', '<|begin_of_text|>', '<s>', '<|endoftext|>'],
  eos: ['<|eos|>', '<|end_of_text|>', '</s>', '<|endoftext|>'],
  pad: ['<|pad|>', '<pad>'],
};

/** Text that exercises every stage of a tokenizer once: letters, digits, spaces, punctuation, a newline, non-ASCII. */
const TOKENIZER_PROBE = 'Hi 12 + 30 = 42.\nÉté, 東京!';

export class Tokenizer {
  /** Token ids run from 0 to vocabSize - 1 (added tokens included). */
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  /** The Jinja chat template, or null when the tokenizer has none. */
  readonly chatTemplate: string | null;
  private readonly compiledTemplate: Template | null;
  private readonly specialTokenStrings: Record<string, string | null>;

  private constructor(
    private readonly inner: HfTokenizer,
    config: TokenizerConfigJson,
    modelIds: SpecialTokenIds,
    chatTemplate: string | null,
    /** Names the source in errors. */
    readonly source: string,
  ) {
    let maxId = -1;
    for (const id of inner.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const firstId = (ids: number | number[] | null | undefined) => (Array.isArray(ids) ? (ids[0] ?? null) : (ids ?? null));
    this.bosId = this.resolveSpecial(config.bos_token, firstId(modelIds.bos_token_id), WELL_KNOWN.bos);
    this.eosId = this.resolveSpecial(config.eos_token, firstId(modelIds.eos_token_id), WELL_KNOWN.eos);
    this.padId = this.resolveSpecial(config.pad_token, firstId(modelIds.pad_token_id), WELL_KNOWN.pad);
    this.specialTokenStrings = {
      bos_token: this.bosId === null ? null : this.idToToken(this.bosId),
      eos_token: this.eosId === null ? null : this.idToToken(this.eosId),
      pad_token: this.padId === null ? null : this.idToToken(this.padId),
      unk_token: tokenContent(config.unk_token),
    };
    this.chatTemplate = chatTemplate;
    try {
      this.compiledTemplate = chatTemplate === null ? null : new Template(chatTemplate);
    } catch (err) {
      throw new ModelFileError(source, `chat_template: ${(err as Error).message}`);
    }
  }

  /**
   * Loads a tokenizer directory: `tokenizer.json` (required), `tokenizer_config.json`,
   * `chat_template.jinja` and `config.json` (all optional).
   */
  static async load(dir: string): Promise<Tokenizer> {
    return Tokenizer.loadSync(dir);
  }

  /** Synchronous form of `load`. */
  static loadSync(dir: string): Tokenizer {
    const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'), true);
    const configPath = path.join(dir, 'tokenizer_config.json');
    const config = (readJson(configPath, false) ?? {}) as TokenizerConfigJson;
    const modelConfig = (readJson(path.join(dir, 'config.json'), false) ?? {}) as SpecialTokenIds;
    let template = chatTemplateOf(config, configPath);
    const templateFile = path.join(dir, 'chat_template.jinja'); // where newer transformers save it
    if (template === null && fs.existsSync(templateFile)) template = fs.readFileSync(templateFile, 'utf8');
    return Tokenizer.fromJson(tokenizerJson, config, { modelConfig, chatTemplate: template, source: dir });
  }

  /** Builds a tokenizer from already parsed `tokenizer.json` / `tokenizer_config.json` objects. */
  static fromJson(
    tokenizerJson: unknown,
    config: Record<string, unknown> | null = null,
    options: { modelConfig?: SpecialTokenIds; chatTemplate?: string | null; source?: string } = {},
  ): Tokenizer {
    const source = options.source ?? '<tokenizer>';
    const cfg = (config ?? {}) as TokenizerConfigJson;
    let inner: HfTokenizer;
    try {
      inner = new HfTokenizer(tokenizerJson as object, cfg);
      // Some broken parts (a post-processor, a decoder) only fail when used: use them once here, so
      // that a bad file is a ModelFileError now and not a TypeError in the middle of a run.
      for (const addSpecial of [true, false])
        inner.decode(inner.encode(TOKENIZER_PROBE, { add_special_tokens: addSpecial }).ids, { skip_special_tokens: false });
    } catch (err) {
      throw new ModelFileError(source, `tokenizer.json: cannot build the tokenizer (${(err as Error).message})`);
    }
    const template = options.chatTemplate !== undefined ? options.chatTemplate : chatTemplateOf(cfg, source);
    const tokenizer = new Tokenizer(inner, cfg, options.modelConfig ?? {}, template, source);
    checkAddedTokenIds(tokenizerJson, tokenizer.vocabSize, source);
    return tokenizer;
  }

  /** Token ids of `text`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
    // A vocabulary without some piece of the text and no usable unk_token leaves holes (undefined
    // ids) rather than failing: the file is at fault, not the text.
    const hole = ids.findIndex((id) => !Number.isInteger(id));
    if (hole >= 0)
      throw new ModelFileError(
        this.source,
        `tokenizer.json: token ${hole} of ${JSON.stringify(text.slice(0, 40))} has no id in the vocabulary and no usable unk_token stands in for it`,
      );
    return ids;
  }

  /** Text of `ids`; ids outside [0, vocabSize) are a RangeError. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new RangeError(`token id ${id} is outside [0, ${this.vocabSize})`);
    }
    if (ids.length === 0) return '';
    return this.inner.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token string (as it appears in the vocabulary, e.g. `Ġworld`), or null. */
  tokenToId(token: string): number | null {
    return this.inner.token_to_id(token) ?? null;
  }

  /** The token string of an id, or null. */
  idToToken(id: number): string | null {
    return this.inner.id_to_token(id) ?? null;
  }

  /** Token strings of `text` (no special tokens added). */
  tokenize(text: string): string[] {
    return this.inner.tokenize(text);
  }

  /**
   * Renders the chat template over `messages`, as transformers' `apply_chat_template(tokenize=False)`
   * does. Returns null when the tokenizer has no chat template. Encode the result with
   * `addSpecialTokens: false`: templates put BOS in themselves.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string | null {
    if (this.compiledTemplate === null) return null;
    return this.compiledTemplate.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
      ...this.specialTokenStrings,
    });
  }

  private resolveSpecial(fromConfig: unknown, fromModelConfig: number | null, wellKnown: string[]): number | null {
    const content = tokenContent(fromConfig);
    if (content !== null) {
      const id = this.tokenToId(content);
      if (id === null)
        throw new ModelFileError(this.source, `tokenizer_config.json: special token "${content}" is not in the vocabulary`);
      return id;
    }
    if (fromModelConfig !== null) return fromModelConfig;
    for (const name of wellKnown) {
      const id = this.tokenToId(name);
      if (id !== null) return id;
    }
    return null;
  }
}

/** A special token given as a string or as an AddedToken object `{content, ...}`. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** `chat_template` is a string, or a list of `{name, template}` of which "default" is the chat one. */
function chatTemplateOf(config: TokenizerConfigJson, file: string): string | null {
  const t = config.chat_template;
  if (t === undefined || t === null) return null;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const chosen = named.find((x) => x?.name === 'default') ?? named[0];
    if (typeof chosen?.template === 'string') return chosen.template;
  }
  throw new ModelFileError(file, 'chat_template: expected a string or a list of {name, template}');
}

function readJson(file: string, required: boolean): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Every added token's id lies in [0, vocabSize): an added token whose content is also in the
 * model's vocabulary is listed there under the vocabulary's id, yet encodes to its own, so an id
 * far outside would only fail later, in decode or in the embedding lookup (found by the fuzz test).
 */
function checkAddedTokenIds(tokenizerJson: unknown, vocabSize: number, source: string): void {
  const added = (tokenizerJson as { added_tokens?: unknown }).added_tokens;
  if (!Array.isArray(added)) return;
  added.forEach((t, i) => {
    const id = (t as { id?: unknown } | null)?.id;
    if (typeof id === 'number' && !(Number.isInteger(id) && id >= 0 && id < vocabSize))
      throw new ModelFileError(
        source,
        `tokenizer.json: added_tokens[${i}].id ${id} is outside the vocabulary's ids [0, ${vocabSize})`,
      );
  });
}
