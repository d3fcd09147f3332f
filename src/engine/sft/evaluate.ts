// Held-out loss: the token-weighted mean NLL of the completion tokens of a set of sequences, under
// the current parameters (fed as inputs; a LoRA base stays frozen in the graph).
import { dataOf, type HostTensor } from '../core/hostTensor';
import { Graph } from '../graph/graph';
import { serialize } from '../graph/serialize';
import type { ModelConfig } from '../io/hfConfig';
import type { Weights } from '../nn/llama';
import { loraLinear, type LoraConfig } from '../nn/lora';
import { Session, type RuntimeOptions } from '../runtime/session';
import { collate } from './batches';
import { frozenWeights } from '../nn/frozen';
import { completionNll, SFT_BATCH } from './loss';
import type { SftSequence } from '../prompts/tokens';

export class LossEvaluator {
  private constructor(
    private readonly session: Session,
    private readonly padId: number,
    private readonly frozenFeeds: Record<string, HostTensor>,
  ) {}

  /**
   * `params` names and shapes the parameters fed at each evaluation; `frozen` weights become
   * initializers or, when large, inputs (frozen.ts). With `lora`, params are the adapters and
   * frozen the base model.
   */
  static async create(
    cfg: ModelConfig,
    params: Record<string, HostTensor>,
    frozen: Record<string, HostTensor>,
    opts: { lora?: LoraConfig; padId: number; runtime?: RuntimeOptions; frozenLimitBytes?: number },
  ): Promise<LossEvaluator> {
    const g = new Graph('sft_eval');
    const p: Weights = {};
    for (const [name, t] of Object.entries(params)) p[name] = g.input(`param.${name}`, 'float32', t.shape);
    const split = frozenWeights(frozen, opts.frozenLimitBytes);
    const f: Weights = {};
    for (const [name, t] of Object.entries(frozen))
      f[name] = split.initializers ? g.initializer(`frozen.${name}`, t) : g.input(`frozen.${name}`, 'float32', t.shape);
    const batch = Object.fromEntries(Object.entries(SFT_BATCH).map(([k, s]) => [k, g.input(`batch.${k}`, s.dtype, s.shape)]));
    const out = opts.lora ? completionNll(cfg, f, batch, { linear: loraLinear(opts.lora, p) }) : completionNll(cfg, p, batch);
    g.output('nll_sum', out.nllSum);
    g.output('tokens', out.tokens);
    return new LossEvaluator(await Session.create(serialize(g), opts.runtime), opts.padId, split.feeds);
  }

  /** Mean NLL per completion token over all `seqs`, in batches of `batchSize` sorted by length. */
  async evaluate(params: Record<string, HostTensor>, seqs: readonly SftSequence[], batchSize: number): Promise<number> {
    const feeds: Record<string, HostTensor> = { ...this.frozenFeeds };
    for (const [name, t] of Object.entries(params)) feeds[`param.${name}`] = t;
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length);
    let nll = 0,
      tokens = 0;
    for (let i = 0; i < order.length; i += batchSize) {
      const batch = collate(
        order.slice(i, i + batchSize).map((j) => seqs[j]),
        this.padId,
      );
      for (const [k, t] of Object.entries(batch)) feeds[`batch.${k}`] = t;
      const out = await this.session.run(feeds);
      nll += dataOf(out.nll_sum, 'float32', 'nll_sum')[0];
      tokens += dataOf(out.tokens, 'float32', 'tokens')[0];
    }
    return nll / Math.max(tokens, 1);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
