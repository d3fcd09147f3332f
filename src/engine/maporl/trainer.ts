// A MAPoRL run, end to end: data, base agents, verifier (trained from the base agents' samples
// unless it is the ground truth), evaluation before training, iterations of discussion -> reward ->
// multi-agent PPO, periodic evaluation and checkpoints, evaluation after, summary. Resumable from
// the last complete checkpoint; a stop request (the CLI's SIGINT/SIGTERM) checkpoints and stops
// cleanly. Holds RUN/.lock while it writes (io/runLock.ts): one writer per run directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_CHOICES } from '../../protocol/choices';
import { MAPORL_ENV } from '../../protocol/environment';
import type { EvalTable, RunSummary } from '../../protocol/runRecords';
import { OutputDirError } from '../io/errors';
import { acquireRunLock, assertUnlocked } from '../io/runLock';
import type { RuntimeOptions } from '../runtime/session';
import { loadTaskData } from '../tasks';
import type { TaskRecord } from '../tasks/types';
import { Rng } from '../core/random';
import { latestCheckpoint } from '../io/checkpoints';
import { loadCheckpointPolicy, readTrainerState, saveCheckpoint, type TrainerState } from './checkpoint';
import type { MaporlConfig } from './config';
import { groundTruthVerifier, runDiscussions, type Discussion, type VerifierFn } from './discussion';
import { turnMetrics } from './discussionMetrics';
import { evaluate, formatEvalTable, identicalAgentsWarning, mean } from './evaluate';
import { ppoUpdate, type Rollout } from './ppoUpdate';
import { promptOptionsOf } from './prompts';
import { shapedRewards, withFormatPenalty } from './reward';
import { finishedSummary, RunDir } from './runDir';
import { ensurePreparedBase, recipeOf, withBaseModel } from './baseStage';
import { resolveBases, Team } from './team';
import { toTranscript } from './transcripts';
import { setupVerifier, type VerifierSetup } from './verifierSetup';

export interface TrainOptions {
  config: MaporlConfig;
  /** Folder relative model paths are resolved against (the config file's folder). */
  baseDir: string;
  out: string;
  resume?: boolean;
  /** Print lines for humans (the CLI); events go to the run directory regardless. */
  say?: (line: string) => void;
  /** Called after each iteration (progress bars). */
  onIteration?: (done: number, total: number) => void;
  /** Polled between iterations: the signal that asked the run to stop (it checkpoints and stops), or null. */
  stopSignal?: () => string | null;
}

export async function train(o: TrainOptions): Promise<RunSummary> {
  const finished = o.resume ? finishedSummary(o.out) : null;
  if (finished) return finished; // resuming a finished run changes nothing
  const lock = acquireRunLock(o.out, o.say); // one writer per run directory
  try {
    return await trainLocked(o);
  } finally {
    lock.release();
  }
}

async function trainLocked(o: TrainOptions): Promise<RunSummary> {
  const { config } = o;
  const say = o.say ?? (() => undefined);
  const run = new RunDir(o.out);
  const startedAt = new Date();
  const runtime = runtimeOptions(config);
  const mode = config.training.mode;
  const T = config.discussion.turns;
  const iterations = mode === 'none' ? 0 : config.training.iterations;

  let resumeFrom: string | null = null;
  let state: TrainerState | null = null;
  let damaged: string | undefined; // a newer checkpoint that failed its checksums
  if (o.resume) resumeFrom = latestCheckpoint(run.checkpoints, (line) => { say(line); damaged = line; });
  if (resumeFrom) {
    state = readTrainerState(resumeFrom);
    if (!run.truncateAfter(state.iteration, state.logs)) run.event({ type: 'checkpoint', step: state.iteration, path: path.relative(o.out, resumeFrom) });
    run.event({ type: 'status', step: state.iteration, status: 'running', message: `resumed from ${path.relative(o.out, resumeFrom)}`, totalSteps: iterations });
  } else {
    if (o.resume) {
      // Killed before its first checkpoint: everything it recorded is produced again, identically.
      say(`no checkpoint in ${o.out}: starting from the beginning`);
      run.discardRecords();
    } else run.writeConfig(config);
    run.event({ type: 'status', step: 0, status: 'running', totalSteps: iterations });
  }
  if (damaged) run.log(state?.iteration ?? 0, damaged.replace(/^warning: /, ''), 'warn');

  let team: Team | undefined;
  let verifier: VerifierSetup | undefined;
  let iteration = state?.iteration ?? 0;
  let before: EvalTable | null = null;
  try {
    const data = loadTaskData(config.task, config.seed);
    for (const [split, rep] of Object.entries(data.skipped)) {
      if (rep.count) run.log(iteration, `skipped ${rep.count} invalid ${split} lines (first: ${rep.examples[0]})`, 'warn');
    }
    if (data.test.length === 0) throw new Error('the test split is empty');
    if (mode !== 'none' && data.train.length === 0) throw new Error('the training split is empty');
    const models = await prepareBaseStage(config, run, iteration, say);
    const bases = await resolveBases(models, o.baseDir, T);
    const ppo = config.training.ppo;
    team = await Team.create(config, bases, runtime);
    if (resumeFrom && state) {
      for (const [i, p] of team.policies.entries()) p.restore((await loadCheckpointPolicy(resumeFrom, i, state.optimizerSteps[i])).train);
    }
    run.log(iteration, `execution provider: ${team.policies[0].lm.provider}${runtime.threads ? `, ${runtime.threads} threads` : ''}`);
    verifier = await setupVerifier({ config: models, data, team, run, runtime, baseDir: o.baseDir, resumeFrom, say });
    const verify: VerifierFn = verifier.score ?? groundTruthVerifier;
    const gen = config.generation;
    const evalGen = { ...gen, temperature: config.eval.temperature ?? gen.temperature };
    const promptOpts = promptOptionsOf(config.discussion);
    const evalRecords = data.test.slice(0, config.eval.questions);
    const greedyCopies = identicalAgentsWarning(evalGen.temperature, config.agents.count, config.agents.policySharing, config.agents.models.length > 1 ? config.agents.models : undefined);
    if (greedyCopies && !state) run.log(0, greedyCopies.replace(/^warning: /, 'evaluation: '), 'warn');
    const common = { agents: config.agents.count, prompt: promptOpts, kind: data.kind, verifier: verify, modelFor: (a: number, t: number) => team!.policyOf(a, t).lm };

    const runEval = async (step: number): Promise<EvalTable> => {
      const r = await evaluate(evalRecords, step, { ...common, turns: T, generation: evalGen, seed: config.seed + 7919 * (step + 1) });
      run.event({
        type: 'metrics', split: 'eval', step, turns: r.table.turns,
        majorityAccuracy: r.table.turns.map((m) => m.majorityAccuracy), meanAgentAccuracy: r.table.turns.map((m) => m.meanAgentAccuracy),
        verifier: r.verifierByTurn,
      });
      for (const d of r.discussions) run.transcript(toTranscript(d, step, 'eval'));
      return r.table;
    };
    const checkpoint = async () => {
      const dir = await saveCheckpoint(run.checkpoints, {
        state: { iteration, policySharing: config.agents.policySharing, policies: team!.policies.length, agents: config.agents.count, turns: T, optimizerSteps: team!.policies.map((p) => p.state.step), verifier: config.verifier.type, verifierReport: verifier!.report, before: before ?? undefined, logs: run.marks() },
        policies: team!.policies.map((p, i) => ({ config: team!.bases[i].model.config, train: p.state, tokenizer: team!.bases[i].tokenizer })),
        verifier: verifier!.model ? { config: verifier!.model.config, weights: verifier!.model.weights, tokenizer: verifier!.tokenizerSource! } : undefined,
      });
      run.event({ type: 'checkpoint', step: iteration, path: path.relative(o.out, dir) });
    };

    if (state) {
      before = state.before ?? null;
    } else {
      say('evaluating before training…');
      before = await runEval(0);
      say(formatEvalTable('before training', before));
      await checkpoint();
    }

    const order = new DataOrder(data.train, config.seed);
    let lastCheckpointAt = iteration;
    while (iteration < iterations && !o.stopSignal?.()) {
      iteration++;
      const t0 = performance.now();
      const timing0 = timingOf(team, verifier);
      const k = config.training.samplesPerQuestion;
      const questions = order.batch(iteration, config.training.questionsPerIteration).flatMap((q) => Array<TaskRecord>(k).fill(q));
      const turns = mode === 'single-agent' ? 1 : T;
      const discussions = await runDiscussions(questions, { ...common, turns, generation: gen, seed: config.seed * 1000003 + iteration });
      const rollouts: Rollout[] = [];
      const rewardsPerDiscussion = discussions.map((d, i) => {
        const R = discussionRewards(d, config.reward);
        d.turns.forEach((row, t) => row.forEach((r, a) => rollouts.push({ policy: team!.policyOf(a, t), prompt: r.prompt, response: r.tokens, reward: R[t][a], turn: t, agent: a, question: Math.floor(i / k) })));
        return R;
      });
      const timing1 = timingOf(team, verifier);
      const stats = await ppoUpdate(rollouts, ppo, config.seed * 7 + iteration);
      const timing2 = timingOf(team, verifier);
      const seconds = (performance.now() - t0) / 1000;
      const tm = turnMetrics(discussions.map((d) => ({ answers: d.turns.map((row) => row.map((r) => r.answer)), correct: d.turns.map((row) => row.map((r) => r.correct)) })));
      const generationMs = timing1.generation - timing0.generation;
      const generated = rollouts.reduce((n, r) => n + r.response.length, 0);
      const phases = {
        generation: generationMs / 1000,
        verifier: (timing1.verifier - timing0.verifier) / 1000,
        logprobs: (timing2.score - timing1.score) / 1000,
        update: (timing2.update - timing1.update) / 1000,
      };
      run.event({
        type: 'metrics', split: 'train', step: iteration,
        reward: mean(rewardsPerDiscussion.flatMap((R) => R.flat())),
        verifier: Array.from({ length: turns }, (_, t) => mean(discussions.flatMap((d) => d.turns[t].map((r) => r.verifier)))),
        majorityAccuracy: tm.map((m) => m.majorityAccuracy), meanAgentAccuracy: tm.map((m) => m.meanAgentAccuracy),
        kl: stats.kl, entropy: stats.entropy, policyLoss: stats.policyLoss, valueLoss: stats.valueLoss, clipFraction: stats.clipFraction,
        gradNorm: stats.gradNorm, tokensPerSecond: generationMs > 0 ? generated / (generationMs / 1000) : null,
        seconds: { ...phases, outsideRun: Math.max(0, seconds - Object.values(phases).reduce((a, b) => a + b, 0)), total: seconds },
      });
      if (stats.skippedSteps) run.log(iteration, `${stats.skippedSteps} of ${stats.steps} PPO steps skipped: non-finite loss or gradient (parameters kept)`, 'warn');
      discussions.forEach((d, i) => run.transcript(toTranscript(d, iteration, 'train', rewardsPerDiscussion[i], i % k)));
      if (config.eval.every > 0 && iteration % config.eval.every === 0 && iteration < iterations) await runEval(iteration);
      if (config.checkpoint.every > 0 && iteration % config.checkpoint.every === 0) {
        await checkpoint();
        lastCheckpointAt = iteration;
      }
      o.onIteration?.(iteration, iterations);
    }

    const stoppedBy = o.stopSignal?.();
    if (stoppedBy) {
      if (lastCheckpointAt !== iteration) await checkpoint();
      run.event({ type: 'status', step: iteration, status: 'stopped', message: `stopped by ${stoppedBy}; resume with --resume` });
      const summary = makeSummary(config, 'stopped', iteration, startedAt, before, null, verifier.report, `stopped by ${stoppedBy}`);
      run.writeSummary(summary);
      return summary;
    }
    // The last checkpoint before the evaluation after training, and the summary last of all: a run
    // killed anywhere in between resumes from that checkpoint and evaluates once more, and a run with
    // a finished summary is complete (a resume leaves it alone).
    if (lastCheckpointAt !== iteration) await checkpoint();
    say('evaluating after training…');
    const after = iterations > 0 ? await runEval(iteration) : before;
    if (iterations > 0) say(formatEvalTable('after training', after!));
    const summary = makeSummary(config, 'finished', iteration, startedAt, before, after, verifier.report);
    run.event({ type: 'status', step: iteration, status: 'finished' });
    run.writeSummary(summary);
    return summary;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    try {
      run.event({ type: 'status', step: iteration, status: 'failed', message });
      run.writeSummary(makeSummary(config, 'failed', iteration, startedAt, before, null, verifier?.report, message));
    } catch { /* a full or read-only disk that failed the run refuses these too: the error below says why */ }
    throw err;
  } finally {
    await team?.release();
    await verifier?.release();
  }
}

/**
 * The PPO reward of every response of a discussion, [T][A]: the influence-aware verifier reward with
 * incentives, or the format penalty for a response without a parseable answer or stuck in a loop.
 */
export function discussionRewards(d: Discussion, reward: MaporlConfig['reward']): number[][] {
  const V = d.turns.map((row) => row.map((r) => r.verifier));
  const correct = d.turns.map((row) => row.map((r) => r.correct));
  return withFormatPenalty(shapedRewards(V, correct, { gamma: reward.gamma, alpha: reward.alpha }), d.turns, reward.formatPenalty);
}

/**
 * ONNX Runtime options from the config; the VS Code extension's settings arrive as
 * MAPORL_EXECUTION_PROVIDER / MAPORL_THREADS and apply where the config keeps its defaults.
 */
export function runtimeOptions(config: MaporlConfig, env: NodeJS.ProcessEnv = process.env): RuntimeOptions {
  const envProvider = PROVIDER_CHOICES.find((p) => p === env[MAPORL_ENV.executionProvider]);
  const envThreads = Number(env[MAPORL_ENV.threads]);
  return {
    executionProvider: config.runtime.executionProvider === 'auto' && envProvider ? envProvider : config.runtime.executionProvider,
    threads: config.runtime.threads === 0 && Number.isInteger(envThreads) && envThreads > 0 ? envThreads : config.runtime.threads,
    frozenWeights: config.runtime.frozenWeights,
  };
}

function makeSummary(config: MaporlConfig, status: RunSummary['status'], steps: number, startedAt: Date, before: EvalTable | null, after: EvalTable | null, report: Record<string, number> | undefined, message?: string): RunSummary {
  const finishedAt = new Date();
  const last = (t: EvalTable | null) => (t && t.turns.length ? t.turns[t.turns.length - 1].majorityAccuracy : null);
  return {
    name: config.name, status, mode: config.training.mode, steps,
    startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    before, after,
    metrics: { ...(report ?? {}), finalMajorityAccuracyBefore: last(before), finalMajorityAccuracyAfter: last(after) },
    ...(message ? { message } : {}),
  };
}

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
  private readonly epochs = new Map<number, number[]>();
  constructor(private readonly records: readonly TaskRecord[], private readonly seed: number) {}

  private permutation(epoch: number): number[] {
    let p = this.epochs.get(epoch);
    if (!p) {
      p = new Rng(this.seed, `data-order/${epoch}`).shuffle([...this.records.keys()]);
      this.epochs.set(epoch, p);
    }
    return p;
  }

  batch(iteration: number, size: number): TaskRecord[] {
    const n = this.records.length;
    const out: TaskRecord[] = [];
    for (let k = (iteration - 1) * size; k < iteration * size; k++) out.push(this.records[this.permutation(Math.floor(k / n))[k % n]]);
    return out;
  }
}

export function ensureEmptyRunDir(out: string, force: boolean): void {
  assertUnlocked(out); // --force must not pull a live run's directory away
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !force) {
    throw new OutputDirError(out, 'run directory exists and is not empty (use --resume to continue it, or --force to replace it)');
  }
  if (force) fs.rmSync(out, { recursive: true, force: true });
}

/**
 * The config's model specs with "base-agents" resolved: the base-agent stage's SFT runs here (or its
 * cached result is reused), logged in the run so the dashboard shows what the first minutes are for.
 */
async function prepareBaseStage(config: MaporlConfig, run: RunDir, step: number, say: (line: string) => void): Promise<MaporlConfig> {
  const recipe = recipeOf(config);
  if (!recipe) return config;
  const t0 = performance.now();
  const every = Math.max(1, Math.round(recipe.steps / 20));
  const prepared = await ensurePreparedBase(recipe, (s) => {
    if (s.step % every !== 0 && s.step !== s.totalSteps) return;
    const line = `base agents: SFT step ${s.step}/${s.totalSteps}, loss ${s.loss.toFixed(3)}`;
    say(line);
    run.log(step, line);
  });
  const how = prepared.fresh ? `prepared by SFT in ${((performance.now() - t0) / 1000).toFixed(0)} s` : 'reused from the cache';
  run.log(step, `base agents: ${how} (${prepared.modelDir})`);
  say(`base agents: ${how} (${prepared.modelDir})`);
  return withBaseModel(config, prepared.modelDir);
}
