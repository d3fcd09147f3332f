// One MAPoRL update: the responses of an iteration's discussions, each with its shaped reward, are
// grouped by the policy that produced them; each policy scores its rollouts (old log-probs, values,
// reference log-probs). Advantages come from GAE on per-token rewards with the KL penalty (the
// paper's code) or, without a critic, from leave-one-out group baselines over the samples of one
// question; they are whitened per turn and agent (or per policy), then each policy runs several
// epochs of clipped PPO over shuffled minibatches. The minibatches are drawn first, policy after
// policy from one seeded stream; policies with update workers (updateWorker.ts) then train side
// by side, each in its own thread, others one after another in the main thread; so does scoring.
import { Rng } from '../../core/random';
import { gae, leaveOneOutAdvantages, tokenRewards, whitenBy } from '../reward/advantages';
import type { MaporlConfig } from '../config';
import type { StepResult } from '../../runtime/trainStep';
import type { Policy, PpoSample, SequenceTokens } from './policy';

export interface Rollout extends SequenceTokens {
  policy: Policy;
  /** The sampler's log-prob of each response token, from `policy` as it is now (scoring then skips its forward pass). */
  sampledLogprobs?: number[];
  reward: number;
  /** Where the response sits: 0-based turn and agent, and the question it answers (its group of samples). */
  turn: number;
  agent: number;
  question: number;
}

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

type Ppo = MaporlConfig['training']['ppo'];

/** One rollout's per-token scores (log p under the policy and the reference, the value) and Σ_tokens (log p - log p_ref). */
interface Scored {
  logprobs: number[];
  refLogprobs: number[];
  values: number[];
  kl: number;
}

/** Per-token advantages (and returns, with a critic) of every rollout, before whitening. */
function advantagesOf(rs: Rollout[], scores: Scored[], ppo: Ppo): { advantages: number[][]; returns?: number[][] } {
  if (ppo.advantage === 'group') {
    // Sequence return: the reward less the KL penalty summed over the response's tokens (RLOO's form).
    const seqReturn = rs.map((r, i) => r.reward - ppo.klCoef * scores[i].kl);
    const adv = leaveOneOutAdvantages(
      seqReturn,
      rs.map((r) => `${r.question}/${r.turn}/${r.agent}`),
    );
    return { advantages: rs.map((r, i) => new Array<number>(r.response.length).fill(adv[i])) };
  }
  const advantages: number[][] = [],
    returns: number[][] = [];
  rs.forEach((r, i) => {
    const g = gae(
      tokenRewards(r.reward, scores[i].logprobs, scores[i].refLogprobs, ppo.klCoef),
      scores[i].values,
      ppo.gamma,
      ppo.lam,
    );
    advantages.push(g.advantages);
    returns.push(g.returns);
  });
  return { advantages, returns };
}

export async function ppoUpdate(rollouts: Rollout[], ppo: Ppo, seed: number): Promise<UpdateStats> {
  const stats: UpdateStats = {
    policyLoss: 0,
    valueLoss: 0,
    clipFraction: 0,
    entropy: 0,
    kl: 0,
    gradNorm: 0,
    skippedSteps: 0,
    steps: 0,
    tokens: 0,
  };
  const usable = rollouts.filter((r) => r.response.length > 0);
  // Score with each policy, in rollout order.
  const policies = [...new Set(usable.map((r) => r.policy))];
  const scored: Scored[] = new Array(usable.length);
  for (const { idx, s } of await scoreAll(policies, usable)) {
    idx.forEach((i, k) => {
      const kl = s.logprobs[k].reduce((acc, lp, j) => acc + lp - s.refLogprobs[k][j], 0);
      scored[i] = { logprobs: s.logprobs[k], refLogprobs: s.refLogprobs[k], values: s.values[k], kl };
    });
  }
  const { advantages, returns } = advantagesOf(usable, scored, ppo);
  if (ppo.whitenAdvantages)
    whitenBy(
      advantages,
      usable.map((r) => (ppo.whitenScope === 'turn-agent' ? `${r.turn}/${r.agent}` : r.policy)),
    );

  let klSum = 0;
  const samplesOf = new Map<Policy, PpoSample[]>(policies.map((p) => [p, []]));
  usable.forEach((r, i) => {
    const s = scored[i];
    klSum += s.kl;
    stats.tokens += r.response.length;
    const sample: PpoSample = { prompt: r.prompt, response: r.response, oldLogprobs: s.logprobs, advantages: advantages[i] };
    if (returns) Object.assign(sample, { returns: returns[i], oldValues: s.values });
    samplesOf.get(r.policy)!.push(sample);
  });

  // Every policy's minibatches, drawn in policy order, epoch by epoch, from one seeded stream.
  const rng = new Rng(seed, 'ppo/minibatches');
  const jobs = [...samplesOf].map(([policy, samples]) => {
    const minibatches: PpoSample[][] = [];
    for (let e = 0; e < ppo.epochs; e++) {
      const order = rng.shuffle([...samples.keys()]);
      for (let i = 0; i < order.length; i += ppo.minibatchSize)
        minibatches.push(order.slice(i, i + ppo.minibatchSize).map((k) => samples[k]));
    }
    return { policy, minibatches };
  });
  for (const results of await runUpdates(jobs, ppo.lr)) {
    for (const res of results) {
      stats.steps++;
      if (res.skipped) {
        stats.skippedSteps++;
        continue;
      }
      stats.policyLoss += res.metrics.policyLoss;
      stats.valueLoss += res.metrics.valueLoss ?? 0;
      stats.clipFraction += res.metrics.clipFraction;
      stats.entropy += res.metrics.entropy;
      stats.gradNorm += res.gradNorm;
    }
  }
  const ok = Math.max(1, stats.steps - stats.skippedSteps);
  for (const k of ['policyLoss', 'valueLoss', 'clipFraction', 'entropy', 'gradNorm'] as const) stats[k] /= ok;
  stats.kl = usable.length ? klSum / usable.length : 0;
  return stats;
}

/**
 * Each policy's rollouts (their indices in `usable`) and scores: one policy after another in the
 * main thread, or, when every policy scores in its update worker, all at once, the wall time
 * shared equally among them as runUpdates does.
 */
async function scoreAll(policies: Policy[], usable: Rollout[]) {
  const jobs = policies.map((policy) => {
    const idx = usable.flatMap((r, i) => (r.policy === policy ? [i] : []));
    const mine = idx.map((i) => usable[i]);
    const sampled = mine.every((r) => r.sampledLogprobs) ? mine.map((r) => r.sampledLogprobs!) : undefined;
    return { policy, idx, mine, sampled };
  });
  const score = async (j: (typeof jobs)[number]) => ({ idx: j.idx, s: await j.policy.scoreRollouts(j.mine, j.sampled) });
  if (!jobs.every((j) => j.policy.scoresInWorker(j.sampled !== undefined))) {
    const out = [];
    for (const j of jobs) {
      const t0 = performance.now();
      out.push(await score(j));
      if (j.policy.scoresInWorker(j.sampled !== undefined)) j.policy.timing.scoreMs += performance.now() - t0;
    }
    return out;
  }
  const t0 = performance.now();
  const out = await Promise.all(jobs.map(score));
  const share = (performance.now() - t0) / jobs.length;
  for (const p of policies) p.timing.scoreMs += share;
  return out;
}

/**
 * Each policy's minibatches in order: in the main thread one policy after another, or, when the
 * policies update in worker threads (Team.create), all policies at once, the wall time shared
 * equally among them (their `timing` sums to the iteration's update phase either way).
 */
async function runUpdates(jobs: { policy: Policy; minibatches: PpoSample[][] }[], lr: number): Promise<StepResult[][]> {
  if (!jobs.every((j) => j.policy.updatesInWorker)) {
    const out: StepResult[][] = [];
    for (const { policy, minibatches } of jobs) {
      const results: StepResult[] = [];
      for (const mb of minibatches) results.push(await policy.update(mb, lr));
      out.push(results);
    }
    return out;
  }
  const t0 = performance.now();
  const out = await Promise.all(jobs.map((j) => j.policy.updateInWorker(j.minibatches, lr)));
  const share = (performance.now() - t0) / jobs.length;
  for (const j of jobs) j.policy.timing.updateMs += share;
  return out;
}
