// A causal LM ready to run: compiled prefill/decode/score sessions plus the host loop that samples
// with a KV cache, left padding, stop strings, EOS and per-sequence early finish.
import { seededRandom } from '../core/random';
import { dataOf, type HostTensor } from '../core/hostTensor';
import { serialize } from '../graph/serialize';
import { eosTokenIds } from '../io/hfConfig';
import type { Tokenizer } from '../io/tokenizer';
import { frozenLimitFor } from '../nn/frozen';
import type { CausalLM } from '../nn/model';
import { padTokenId } from '../prompts/tokens';
import { Session, type RuntimeOptions } from '../runtime/session';
import { i64 } from '../runtime/tensors';
import {
  buildDecodeGraph,
  buildPrefillGraph,
  buildScoreGraph,
  rowsPerRun,
  weightBinding,
  weightFeeds,
  type WeightBinding,
} from './graphs';
import { KVCache } from './kvCache';
import { maskPadded, sample, type SamplingOptions } from './sampler';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Generation of a sequence ends after any of these strings appears in its new text. */
  stop?: string[];
  seed: number;
}

export interface Generation {
  tokens: number[];
  text: string;
  /** log p of each sampled token under the temperature-scaled distribution. */
  logprobs: number[];
  finishReason: 'eos' | 'stop' | 'length';
}

/**
 * What samples continuations for a discussion: an LMRuntime, or a copy of one in another thread
 * (maporl/ppo: a policy's update worker). `model` gives the config and tokenizer of its prompts.
 * `concurrent`: its generate() leaves this thread free while it runs, so that the calls of several
 * samplers overlap when started together (an LMRuntime's does not: ORT's run() blocks the thread).
 */
export interface Sampler {
  readonly model: CausalLM;
  generate(prompts: number[][], o: GenerateOptions): Promise<Generation[]>;
  readonly concurrent?: boolean;
}

export interface Timing {
  runMs: number;
  calls: number;
}

export class LMRuntime implements Sampler {
  /** Time spent inside ORT run() calls, for the benchmarks' "outside run" share. */
  readonly timing: Timing = { runMs: 0, calls: 0 };

  /** The weights fed at each run, by input name (rebuilt after setWeights). */
  private fed?: Record<string, HostTensor>;

  /** The scoring session, compiled on first use: generation alone never pays for a third copy of frozen weights. */
  private scoreSession?: Promise<Session>;

  private constructor(
    readonly model: CausalLM,
    private readonly binding: WeightBinding,
    private readonly sessions: { prefill: Session; decode: Session },
    private readonly runtime: RuntimeOptions | undefined,
  ) {}

  /**
   * Compiles the sessions. Weights in `trainable` are fed at each run (see setWeights); the others
   * are frozen into the graphs, or fed as well per `runtime.frozenWeights` (or past `frozenLimitBytes`).
   */
  static async create(
    model: CausalLM,
    options: {
      trainable?: Iterable<string>;
      runtime?: RuntimeOptions;
      frozenLimitBytes?: number;
      /** The plain-op graphs instead of ORT's fused kernels and stacked projections (WeightBinding.plain). */
      plainGraphs?: boolean;
    } = {},
  ): Promise<LMRuntime> {
    const fedOrEmbedded = weightBinding(
      model.weights,
      new Set(options.trainable ?? []),
      options.frozenLimitBytes ?? frozenLimitFor(options.runtime?.frozenWeights),
    );
    // Stacked q/k/v and gate/up weights, made on the host (once per setWeights), except for a model
    // whose frozen weights are fed: a stacked copy would double the memory that feeding saves.
    const binding = { ...fedOrEmbedded, fuseProjections: !fedOrEmbedded.feedFrozen, plain: options.plainGraphs };
    const [prefill, decode] = await Promise.all([
      Session.create(serialize(buildPrefillGraph(model.config, binding)), options.runtime),
      Session.create(serialize(buildDecodeGraph(model.config, binding)), options.runtime),
    ]);
    return new LMRuntime(model, binding, { prefill, decode }, options.runtime);
  }

  /** Whether the frozen weights are fed at each run rather than embedded in the sessions. */
  get feedsFrozenWeights(): boolean {
    return this.binding.feedFrozen ?? false;
  }

  /** The execution provider the sessions run on (after any fallback to CPU). */
  get provider(): string {
    return this.sessions.prefill.provider;
  }

  /** The trainable weights as they are now (the arrays fed at each run, not copies). */
  trainableWeights(): Record<string, HostTensor> {
    return Object.fromEntries([...this.binding.trainable].map((n) => [n, this.model.weights[n]]));
  }

  /** Replaces the values of trainable weights (e.g. after a PPO update). */
  setWeights(weights: Record<string, HostTensor>): void {
    for (const [name, t] of Object.entries(weights)) {
      if (!this.binding.trainable.has(name)) throw new Error(`setWeights: "${name}" is frozen`);
      this.model.weights[name] = t;
    }
    this.fed = undefined;
  }

  private async run(s: Session, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const t0 = performance.now();
    this.fed ??= weightFeeds(this.binding);
    const out = await s.run({ ...feeds, ...this.fed });
    this.timing.runMs += performance.now() - t0;
    this.timing.calls++;
    return out;
  }

  /** Samples continuations of token-id prompts, all in one batch. */
  async generate(prompts: number[][], o: GenerateOptions): Promise<Generation[]> {
    const tok = this.model.tokenizer;
    const eos = new Set(eosTokenIds(this.model.config).concat(tok.eosId !== null ? [tok.eosId] : []));
    const pad = padTokenId(tok);
    const random = seededRandom(o.seed);
    const L = this.model.config.numHiddenLayers;
    const results: Generation[] = prompts.map(() => ({ tokens: [], text: '', logprobs: [], finishReason: 'length' }));
    if (prompts.length === 0 || o.maxNewTokens <= 0) return results;

    const batch = leftPad(prompts, pad);
    const temperature: HostTensor = { dtype: 'float32', shape: [], data: Float32Array.of(o.temperature > 0 ? o.temperature : 1) };
    let out = await this.run(this.sessions.prefill, {
      input_ids: batch.ids,
      positions: batch.positions,
      attention_mask: batch.mask,
      temperature,
    });
    const cache = KVCache.fromPrefill(newKV(out, L), batch.mask.data, o.maxNewTokens - 1);
    // Per batch row: its result index, next position, and whether it is still generating. Finished
    // rows stay in the batch (fed padding, their output ignored) until a quarter of it has
    // finished; then the batch and the cache are compacted, a copy of the cache that would cost
    // more than decoding a few idle rows if it happened at every finish.
    let rows = prompts.map((_, i) => i);
    let nextPos = prompts.map((p) => p.length);
    let live = prompts.map(() => true);
    const maxStopBytes = Math.max(0, ...(o.stop ?? []).map((s) => Buffer.byteLength(s)));

    for (let step = 0; step < o.maxNewTokens; step++) {
      const probs = dataOf(out.probs, 'float32', 'probs');
      const V = out.probs.shape[1];
      let next = rows.map(() => pad);
      rows.forEach((r, j) => {
        if (!live[j]) return;
        // Only ids the tokenizer has: padded embedding rows (vocab_size > tokenizer) are masked out.
        const { token, logprob } = sample(maskPadded(probs.subarray(j * V, (j + 1) * V), tok.vocabSize), o, random);
        const res = results[r];
        res.tokens.push(token);
        res.logprobs.push(logprob);
        next[j] = token;
        if (eos.has(token)) {
          res.finishReason = 'eos';
          live[j] = false;
        } else if (o.stop?.length && hitsStop(tok, res.tokens, o.stop, maxStopBytes)) {
          res.finishReason = 'stop';
          live[j] = false;
        }
      });
      const alive = live.flatMap((l, j) => (l ? [j] : []));
      if (alive.length === 0 || step === o.maxNewTokens - 1) break;
      if (alive.length <= 0.75 * rows.length) {
        cache.keepRows(alive);
        rows = alive.map((j) => rows[j]);
        nextPos = alive.map((j) => nextPos[j]);
        next = alive.map((j) => next[j]);
        live = alive.map(() => true);
      }
      const B = rows.length;
      out = await this.run(this.sessions.decode, {
        ...cache.feeds(),
        input_ids: i64(next, [B, 1]),
        positions: i64(nextPos, [B, 1]),
        temperature,
      });
      cache.append(newKV(out, L));
      nextPos = nextPos.map((p) => p + 1);
    }
    for (const res of results) res.text = tok.decode(res.tokens, { skipSpecialTokens: true });
    for (const res of results) if (res.finishReason === 'stop' && o.stop) res.text = cutAfterStop(res.text, o.stop);
    return results;
  }

  /**
   * Log-probabilities and entropies of every token of each sequence given its prefix:
   * logprobs[i][t] = log p(seq[t] | seq[<t]) for t >= 1, logprobs[i][0] = NaN.
   */
  async score(sequences: number[][]): Promise<{ logprobs: number[][]; entropy: number[][] }> {
    const out = { logprobs: [] as number[][], entropy: [] as number[][] };
    const longest = Math.max(0, ...sequences.map((s) => s.length));
    const rows = rowsPerRun(longest, this.model.config.vocabSize, sequences.length);
    for (let i = 0; i < sequences.length; i += rows) {
      const part = await this.scoreBatch(sequences.slice(i, i + rows));
      out.logprobs.push(...part.logprobs);
      out.entropy.push(...part.entropy);
    }
    return out;
  }

  private async scoreBatch(sequences: number[][]): Promise<{ logprobs: number[][]; entropy: number[][] }> {
    const pad = padTokenId(this.model.tokenizer);
    const batch = leftPad(sequences, pad);
    const T = batch.T;
    const ids = batch.ids.data;
    const targets = new BigInt64Array(ids.length);
    for (let b = 0; b < sequences.length; b++) for (let t = 0; t < T - 1; t++) targets[b * T + t] = ids[b * T + t + 1];
    this.scoreSession ??= Session.create(serialize(buildScoreGraph(this.model.config, this.binding)), this.runtime);
    const out = await this.run(await this.scoreSession, {
      input_ids: batch.ids,
      positions: batch.positions,
      attention_mask: batch.mask,
      targets: { dtype: 'int64', shape: [sequences.length, T], data: targets },
    });
    const lp = dataOf(out.logprobs, 'float32', 'logprobs'),
      ent = dataOf(out.entropy, 'float32', 'entropy');
    const logprobs: number[][] = [],
      entropy: number[][] = [];
    sequences.forEach((seq, b) => {
      const padCount = T - seq.length;
      const rowLp = [NaN],
        rowEnt = [NaN];
      // Target of position t is token t+1; token k of seq sits at padded index padCount + k.
      for (let k = 1; k < seq.length; k++) {
        rowLp.push(lp[b * T + padCount + k - 1]);
        rowEnt.push(ent[b * T + padCount + k - 1]);
      }
      logprobs.push(rowLp);
      entropy.push(rowEnt);
    });
    return { logprobs, entropy };
  }

  async release(): Promise<void> {
    const score = this.scoreSession ? [await this.scoreSession] : [];
    await Promise.all([...Object.values(this.sessions), ...score].map((s) => s.release()));
  }
}

/** Left-pads token rows into [B, T] with a mask, and positions counted from each first real token. */
export function leftPad(
  rows: number[][],
  pad: number,
): { ids: HostTensor<'int64'>; positions: HostTensor<'int64'>; mask: HostTensor<'int64'>; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  const B = rows.length;
  const ids = new BigInt64Array(B * T),
    pos = new BigInt64Array(B * T),
    mask = new BigInt64Array(B * T);
  rows.forEach((r, b) => {
    const off = T - r.length;
    for (let t = 0; t < T; t++) {
      const real = t >= off;
      ids[b * T + t] = BigInt(real ? r[t - off] : pad);
      pos[b * T + t] = BigInt(real ? t - off : 0);
      mask[b * T + t] = real ? 1n : 0n;
    }
  });
  return {
    ids: { dtype: 'int64', shape: [B, T], data: ids },
    positions: { dtype: 'int64', shape: [B, T], data: pos },
    mask: { dtype: 'int64', shape: [B, T], data: mask },
    T,
  };
}

/** The new.{k,v}.L outputs of a prefill or decode run, in layer order (k0, v0, k1, ...). */
function newKV(out: Record<string, HostTensor>, layers: number): HostTensor[] {
  const kv: HostTensor[] = [];
  for (let l = 0; l < layers; l++) kv.push(out[`new.k.${l}`], out[`new.v.${l}`]);
  return kv;
}

/**
 * Whether the text of `tokens` contains a stop string. Only the tail can hold a new match (an
 * earlier one would have stopped generation before), and a stop string of n bytes spans at most n
 * tokens: decoding the last n + 4 tokens (the margin covers a character split across tokens at the
 * cut) keeps the check constant-time instead of re-decoding the whole response at every token.
 */
function hitsStop(tok: Tokenizer, tokens: number[], stops: string[], maxStopBytes: number): boolean {
  const text = tok.decode(tokens.slice(-(maxStopBytes + 4)), { skipSpecialTokens: true });
  return stops.some((s) => text.includes(s));
}

function cutAfterStop(text: string, stops: string[]): string {
  let end = text.length;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0) end = Math.min(end, i + s.length);
  }
  return text.slice(0, end);
}
