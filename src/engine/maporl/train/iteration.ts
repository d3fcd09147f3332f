// One MAPoRL training iteration (Park et al. 2025, §4): the iteration's questions, k discussions of
// each among the team, the influence-aware reward of every response, one multi-agent PPO update (on
// the groups whose rewards differ, from further rounds of questions, under dynamic sampling), and
// its records: a `metrics` event (reward, verifier score and accuracies per turn, PPO statistics,
// seconds per phase) and one transcript per discussion. trainer.ts runs the iterations.
import { Rng } from '../../core/random';
import type { TaskRecord } from '../../tasks/types';
import type { MaporlConfig } from '../config';
import { runDiscussions, type Discussion, type DiscussionOptions } from '../discussion/discussion';
import { turnMetrics } from '../discussion/discussionMetrics';
import { fillToTarget, informativeGroups } from '../reward/dynamicSampling';
import { mean } from '../discussion/evaluate';
import { ppoUpdate, type Rollout } from '../ppo/ppoUpdate';
import { shapedRewards, withFormatPenalty } from '../reward/reward';
import type { RunDir } from '../run/runDir';
import type { Team } from '../ppo/team';
import { toTranscript } from '../discussion/transcripts';
import type { VerifierSetup } from './verifierSetup';

/** What every discussion of a run shares (agents, prompts, task, verifier, models); turns, sampling and seed vary. */
export type RunDiscussionOptions = Omit<DiscussionOptions, 'turns' | 'generation' | 'seed'>;

/** A run's set-up, as an iteration uses it. */
export interface IterationContext {
  config: MaporlConfig;
  run: RunDir;
  team: Team;
  verifier: VerifierSetup;
  discussion: RunDiscussionOptions;
}

/** Trains iteration `iteration` (1-based) on its questions from `order` and records it in the run directory. */
export async function trainIteration(c: IterationContext, iteration: number, order: DataOrder): Promise<void> {
  const { config, run, team, verifier } = c;
  const t0 = performance.now();
  const timing0 = timingOf(team, verifier);
  const turns = config.training.mode === 'single-agent' ? 1 : config.discussion.turns;
  const { discussions, rewardsPerDiscussion, rollouts, forUpdate, rounds } = await sampleIteration(c, iteration, order, turns);
  const timing1 = timingOf(team, verifier);
  const stats = await ppoUpdate(forUpdate, config.training.ppo, config.seed * 7 + iteration);
  const timing2 = timingOf(team, verifier);
  const seconds = (performance.now() - t0) / 1000;
  const tm = turnMetrics(
    discussions.map((d) => ({
      answers: d.turns.map((row) => row.map((r) => r.answer)),
      correct: d.turns.map((row) => row.map((r) => r.correct)),
    })),
  );
  const generationMs = timing1.generation - timing0.generation;
  const generated = rollouts.reduce((n, r) => n + r.response.length, 0);
  const phases = {
    generation: generationMs / 1000,
    verifier: (timing1.verifier - timing0.verifier) / 1000,
    logprobs: (timing2.score - timing1.score) / 1000,
    update: (timing2.update - timing1.update) / 1000,
  };
  run.event({
    type: 'metrics',
    split: 'train',
    step: iteration,
    reward: mean(rewardsPerDiscussion.flatMap((R) => R.flat())),
    verifier: Array.from({ length: turns }, (_, t) => mean(discussions.flatMap((d) => d.turns[t].map((r) => r.verifier)))),
    majorityAccuracy: tm.map((m) => m.majorityAccuracy),
    meanAgentAccuracy: tm.map((m) => m.meanAgentAccuracy),
    kl: stats.kl,
    entropy: stats.entropy,
    policyLoss: stats.policyLoss,
    valueLoss: stats.valueLoss,
    clipFraction: stats.clipFraction,
    gradNorm: stats.gradNorm,
    tokensPerSecond: generationMs > 0 ? generated / (generationMs / 1000) : null,
    seconds: { ...phases, outsideRun: Math.max(0, seconds - Object.values(phases).reduce((a, b) => a + b, 0)), total: seconds },
    ...(config.training.dynamicSampling && { dynamicSampling: { rounds, sampled: rollouts.length, updated: forUpdate.length } }),
  });
  if (stats.skippedSteps)
    run.log(
      iteration,
      `${stats.skippedSteps} of ${stats.steps} PPO steps skipped: non-finite loss or gradient (parameters kept)`,
      'warn',
    );
  const k = config.training.samplesPerQuestion;
  discussions.forEach((d, i) => run.transcript(toTranscript(d, iteration, 'train', rewardsPerDiscussion[i], i % k)));
}

/**
 * An iteration's discussions, their rewards [discussion][turn][agent] and rollouts, and the rollouts
 * its update trains on: all of them, or with dynamic sampling the groups whose rewards differ, from
 * as many rounds of new questions as it takes (up to maxRounds) to fill one round's size.
 */
async function sampleIteration(c: IterationContext, iteration: number, order: DataOrder, turns: number) {
  const { config, team } = c;
  const k = config.training.samplesPerQuestion;
  const dynamic = config.training.dynamicSampling;
  const discussions: Discussion[] = [];
  const rewardsPerDiscussion: number[][][] = [];
  const rollouts: Rollout[] = [];
  const informative: Rollout[][] = [];
  let rounds = 0;
  let updateSize = 0; // under dynamic sampling: as many responses as one round makes
  for (let round = 0; round < (dynamic?.maxRounds ?? 1); round++) {
    rounds++;
    const questions = order
      .batch(iteration, config.training.questionsPerIteration, round)
      .flatMap((q) => Array<TaskRecord>(k).fill(q));
    const sampled = await runDiscussions(questions, {
      ...c.discussion,
      turns,
      generation: config.generation,
      // Round 0 keeps the seed runs had before dynamic sampling; later rounds mix the round in.
      seed: (config.seed * 1000003 + iteration + Math.imul(round, 0x9e3779b9)) >>> 0,
    });
    const rewards = sampled.map((d) => discussionRewards(d, config.reward));
    const fresh = rolloutsOf(sampled, rewards, team, discussions.length, k);
    discussions.push(...sampled);
    rewardsPerDiscussion.push(...rewards);
    rollouts.push(...fresh);
    updateSize ||= fresh.length;
    if (!dynamic) break;
    informative.push(...informativeGroups(fresh));
    if (informative.reduce((n, g) => n + g.length, 0) >= updateSize) break;
  }
  const forUpdate = dynamic ? fillToTarget(informative, updateSize) : rollouts;
  return { discussions, rewardsPerDiscussion, rollouts, forUpdate, rounds };
}

/**
 * The rollouts of discussions that come after `before` others of this iteration, [discussion][turn][agent]
 * flattened, with their rewards [discussion][turn][agent]; discussion i of the iteration answers
 * question ⌊i / k⌋ (its group of k samples).
 */
function rolloutsOf(discussions: Discussion[], rewards: number[][][], team: Team, before: number, k: number): Rollout[] {
  return discussions.flatMap((d, i) =>
    d.turns.flatMap((row, t) =>
      row.map((r, a) => ({
        policy: team.policyOf(a, t),
        prompt: r.prompt,
        response: r.tokens,
        sampledLogprobs: r.logprobs,
        reward: rewards[i][t][a],
        turn: t,
        agent: a,
        question: Math.floor((before + i) / k),
      })),
    ),
  );
}

/**
 * The PPO reward of every response of a discussion, [T][A]: the influence-aware reward (over the
 * verifier's scores, or the 0/1 grades with reward.source "ground-truth") with incentives, or the
 * format penalty for a response without a parseable answer or stuck in a loop.
 */
export function discussionRewards(d: Discussion, reward: MaporlConfig['reward']): number[][] {
  const correct = d.turns.map((row) => row.map((r) => r.correct));
  const V =
    reward.source === 'ground-truth' ? correct.map((row) => row.map(Number)) : d.turns.map((row) => row.map((r) => r.verifier));
  return withFormatPenalty(
    shapedRewards(V, correct, { gamma: reward.gamma, alpha: reward.alpha }),
    d.turns,
    reward.formatPenalty,
  );
}

/** Milliseconds spent so far inside ONNX Runtime, per phase: the differences time an iteration's phases. */
function timingOf(team: Team, verifier: VerifierSetup) {
  const uniqueLms = new Set(team.policies.map((p) => p.lm));
  return {
    generation: [...uniqueLms].reduce((s, lm) => s + lm.timing.runMs, 0),
    score: team.policies.reduce((s, p) => s + p.timing.scoreMs, 0),
    update: team.policies.reduce((s, p) => s + p.timing.updateMs, 0),
    verifier: verifier.runMs(),
  };
}

/** Questions of iteration i: consecutive slices of seeded permutations of the training set, one per epoch. */
export class DataOrder {
  private readonly epochs = new Map<string, number[]>();
  constructor(
    private readonly records: readonly TaskRecord[],
    private readonly seed: number,
  ) {}

  private permutation(epoch: number, round: number): number[] {
    const stream = round === 0 ? `data-order/${epoch}` : `data-order/${epoch}/round-${round}`;
    let p = this.epochs.get(stream);
    if (!p) {
      p = new Rng(this.seed, stream).shuffle([...this.records.keys()]);
      this.epochs.set(stream, p);
    }
    return p;
  }

  /** Round 0 is the run's questions; further rounds (dynamic sampling) draw from permutations of their own. */
  batch(iteration: number, size: number, round = 0): TaskRecord[] {
    const n = this.records.length;
    const out: TaskRecord[] = [];
    for (let k = (iteration - 1) * size; k < iteration * size; k++)
      out.push(this.records[this.permutation(Math.floor(k / n), round)[k % n]]);
    return out;
  }
}
