// One MAPoRL update: the responses of an iteration's discussions, each with its shaped reward, are
// grouped by the policy that produced them; each policy scores its rollouts (old log-probs, values,
// reference log-probs), turns the reward into per-token rewards with the KL penalty, runs GAE and
// whitening, then several epochs of clipped PPO over shuffled minibatches.
import { Rng } from '../tasks/rng';
import { gae, tokenRewards, whiten } from './advantages';
import type { MaporlConfig } from './config';
import type { Policy, PpoSample, SequenceTokens } from './policy';

export interface Rollout extends SequenceTokens { policy: Policy; reward: number }

export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  clipFraction: number;
  entropy: number;
  /** Mean over responses of Σ_tokens (log p - log p_ref): the sequence-level KL estimate. */
  kl: number;
  gradNorm: number;
  skippedSteps: number;
  steps: number;
  tokens: number;
}

export async function ppoUpdate(rollouts: Rollout[], ppo: MaporlConfig['training']['ppo'], seed: number): Promise<UpdateStats> {
  const stats: UpdateStats = { policyLoss: 0, valueLoss: 0, clipFraction: 0, entropy: 0, kl: 0, gradNorm: 0, skippedSteps: 0, steps: 0, tokens: 0 };
  const usable = rollouts.filter((r) => r.response.length > 0);
  const byPolicy = new Map<Policy, Rollout[]>();
  for (const r of usable) byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
  let klSum = 0;
  const rng = new Rng(seed, 'ppo/minibatches');
  for (const [policy, rs] of byPolicy) {
    const scores = await policy.scoreRollouts(rs);
    const samples: PpoSample[] = [];
    const advRows: number[][] = [];
    rs.forEach((r, i) => {
      const rewards = tokenRewards(r.reward, scores.logprobs[i], scores.refLogprobs[i], ppo.klCoef);
      const { advantages, returns } = gae(rewards, scores.values[i], ppo.gamma, ppo.lam);
      klSum += scores.logprobs[i].reduce((s, lp, k) => s + lp - scores.refLogprobs[i][k], 0);
      advRows.push(advantages);
      samples.push({ prompt: r.prompt, response: r.response, oldLogprobs: scores.logprobs[i], oldValues: scores.values[i], advantages, returns });
      stats.tokens += r.response.length;
    });
    if (ppo.whitenAdvantages) whiten(advRows);
    for (let e = 0; e < ppo.epochs; e++) {
      const order = rng.shuffle([...samples.keys()]);
      for (let i = 0; i < order.length; i += ppo.minibatchSize) {
        const res = await policy.update(order.slice(i, i + ppo.minibatchSize).map((k) => samples[k]), ppo.lr);
        stats.steps++;
        if (res.skipped) {
          stats.skippedSteps++;
          continue;
        }
        stats.policyLoss += res.metrics.policyLoss;
        stats.valueLoss += res.metrics.valueLoss;
        stats.clipFraction += res.metrics.clipFraction;
        stats.entropy += res.metrics.entropy;
        stats.gradNorm += res.gradNorm;
      }
    }
  }
  const ok = Math.max(1, stats.steps - stats.skippedSteps);
  for (const k of ['policyLoss', 'valueLoss', 'clipFraction', 'entropy', 'gradNorm'] as const) stats[k] /= ok;
  stats.kl = usable.length ? klSum / usable.length : 0;
  return stats;
}
