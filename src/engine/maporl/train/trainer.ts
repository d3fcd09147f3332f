// A MAPoRL run, end to end: data, base agents, verifier (trained from the base agents' samples
// unless it is the ground truth), evaluation before training, iterations of discussion -> reward ->
// multi-agent PPO (iteration.ts), periodic evaluation and checkpoints, evaluation after, summary. Resumable from
// the last complete checkpoint; a stop request (the CLI's SIGINT/SIGTERM) checkpoints and stops
// cleanly. Holds RUN/.lock while it writes (io/runLock.ts): one writer per run directory.
import * as path from 'node:path';
import { describeRuntime, type EvalTable, type RunSummary, type RuntimeInfo } from '../../../protocol/runRecords';
import { latestCheckpoint } from '../../io/checkpoints';
import { withRunLock } from '../../io/runLock';
import { resolveRuntime } from '../../runtime/resolve';
import type { RuntimeOptions } from '../../runtime/session';
import { loadTaskData, type TaskData } from '../../tasks';
import type { TaskRecord } from '../../tasks/types';
import { recipeOf } from '../base/baseRecipe';
import { ensurePreparedBase, stageEnd, stageProgress, withBaseModel } from './baseStage';
import { loadCheckpointPolicy, readTrainerState, saveCheckpoint, type TrainerState } from '../run/checkpoint';
import type { MaporlConfig } from '../config';
import { groundTruthVerifier, type DiscussionOptions } from '../discussion/discussion';
import { evaluate, formatEvalTable, identicalAgentsWarning } from '../discussion/evaluate';
import { DataOrder, trainIteration, type IterationContext, type RunDiscussionOptions } from './iteration';
import { promptOptionsOf } from '../discussion/prompts';
import { finishedSummary, RunDir } from '../run/runDir';
import { resolveBases, Team } from '../ppo/team';
import { toTranscript } from '../discussion/transcripts';
import { setupVerifier } from './verifierSetup';

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
  return withRunLock(o.out, o.say, () => trainLocked(o)); // one writer per run directory
}

async function trainLocked(o: TrainOptions): Promise<RunSummary> {
  const { config } = o;
  const say = o.say ?? (() => undefined);
  const run = new RunDir(o.out);
  const startedAt = new Date();
  const iterations = config.training.mode === 'none' ? 0 : config.training.iterations;
  const start = openRun(o, run, iterations, say);
  let iteration = start.state?.iteration ?? 0;
  let before: EvalTable | null = null;
  let c: RunContext | undefined;
  try {
    c = await setUp(o, run, start, say);
    if (start.state) {
      before = start.state.before ?? null;
    } else {
      say('evaluating before training…');
      before = await evaluateAt(c, 0);
      say(formatEvalTable('before training', before));
      await saveRunCheckpoint(c, iteration, before);
    }

    const order = new DataOrder(c.data.train, config.seed);
    let lastCheckpointAt = iteration;
    while (iteration < iterations && !o.stopSignal?.()) {
      iteration++;
      await trainIteration(c, iteration, order);
      if (config.eval.every > 0 && iteration % config.eval.every === 0 && iteration < iterations) await evaluateAt(c, iteration);
      if (config.checkpoint.every > 0 && iteration % config.checkpoint.every === 0) {
        await saveRunCheckpoint(c, iteration, before);
        lastCheckpointAt = iteration;
      }
      o.onIteration?.(iteration, iterations);
    }

    const stoppedBy = o.stopSignal?.();
    // The last checkpoint before the evaluation after training, and the summary last of all: a run
    // killed anywhere in between resumes from that checkpoint and evaluates once more, and a run with
    // a finished summary is complete (a resume leaves it alone).
    if (lastCheckpointAt !== iteration) await saveRunCheckpoint(c, iteration, before);
    if (stoppedBy) {
      run.event({ type: 'status', step: iteration, status: 'stopped', message: `stopped by ${stoppedBy}; resume with --resume` });
      const summary = makeSummary(
        config,
        'stopped',
        iteration,
        startedAt,
        before,
        null,
        c.verifier.report,
        `stopped by ${stoppedBy}`,
      );
      run.writeSummary(summary);
      return summary;
    }
    say('evaluating after training…');
    const after = iterations > 0 ? await evaluateAt(c, iteration) : before;
    if (iterations > 0 && after) say(formatEvalTable('after training', after));
    const summary = makeSummary(config, 'finished', iteration, startedAt, before, after, c.verifier.report);
    run.event({ type: 'status', step: iteration, status: 'finished' });
    run.writeSummary(summary);
    return summary;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    try {
      run.event({ type: 'status', step: iteration, status: 'failed', message });
      run.writeSummary(makeSummary(config, 'failed', iteration, startedAt, before, null, c?.verifier.report, message));
    } catch {
      /* a full or read-only disk that failed the run refuses these too: the error below says why */
    }
    throw err;
  } finally {
    await c?.team.release();
    await c?.verifier.release();
  }
}

/** Where a run starts: the checkpoint it resumes from and that checkpoint's state (both null for a fresh start). */
interface StartPoint {
  from: string | null;
  state: TrainerState | null;
}

/**
 * Opens the run directory for writing: a fresh run writes config.json; a resume cuts the logs back to
 * its checkpoint (or empties them when there is none). Then the `running` status.
 */
function openRun(o: TrainOptions, run: RunDir, iterations: number, say: (line: string) => void): StartPoint {
  let from: string | null = null;
  let state: TrainerState | null = null;
  let damaged: string | undefined; // a newer checkpoint that failed its checksums
  if (o.resume)
    from = latestCheckpoint(run.checkpoints, (line) => {
      say(line);
      damaged = line;
    });
  if (from) {
    state = readTrainerState(from);
    if (!run.truncateAfter(state.iteration, state.logs))
      run.event({ type: 'checkpoint', step: state.iteration, path: path.relative(o.out, from) });
    run.event({
      type: 'status',
      step: state.iteration,
      status: 'running',
      message: `resumed from ${path.relative(o.out, from)}`,
      totalSteps: iterations,
    });
  } else {
    if (o.resume) {
      // Killed before its first checkpoint: everything it recorded is produced again, identically.
      say(`no checkpoint in ${o.out}: starting from the beginning`);
      run.discardRecords();
    } else run.writeConfig(o.config);
    run.event({ type: 'status', step: 0, status: 'running', totalSteps: iterations });
  }
  if (damaged) run.log(state?.iteration ?? 0, damaged.replace(/^warning: /, ''), 'warn');
  return { from, state };
}

/** A run once set up: what its iterations use, and its evaluation questions and sampling. */
interface RunContext extends IterationContext {
  data: TaskData;
  evalRecords: TaskRecord[];
  evalGeneration: DiscussionOptions['generation'];
}

/**
 * Data, base agents (the base-agent stage first when the config has one), the team (restored from
 * the checkpoint on resume) and the verifier (trained, or read back from the checkpoint).
 */
async function setUp(o: TrainOptions, run: RunDir, start: StartPoint, say: (line: string) => void): Promise<RunContext> {
  const { config } = o;
  const step = start.state?.iteration ?? 0;
  // The run's sessions and those of its base-agent stage: `runtime` events say what each ran on.
  const report = (info: RuntimeInfo) => {
    run.event({ type: 'runtime', step, ...info });
    say(`runtime: ${describeRuntime(info)}`);
  };
  const runtimeOf = (stage?: string) => resolveRuntime({ config: config.runtime }, { stage, report });
  const runtime = runtimeOf();
  const data = loadTaskData(config.task, config.seed);
  for (const [split, rep] of Object.entries(data.skipped)) {
    if (rep.count) run.log(step, `skipped ${rep.count} invalid ${split} lines (first: ${rep.examples[0]})`, 'warn');
  }
  if (data.test.length === 0) throw new Error('the test split is empty');
  if (config.training.mode !== 'none' && data.train.length === 0) throw new Error('the training split is empty');
  const models = await prepareBaseStage(config, run, step, say, runtimeOf('base-agents'));
  const bases = await resolveBases(models, o.baseDir, config.discussion.turns);
  const team = await Team.create(config, bases, runtime);
  if (team.updateWorkerThreads !== undefined)
    run.log(
      step,
      `PPO updates: ${team.policies.length} policies side by side in worker threads, ${team.updateWorkerThreads} ONNX Runtime thread(s) each, with their rollouts' scoring${team.policies.every((p) => p.samplesInWorker) ? ' and sampling' : ''} (runtime.parallelUpdates "off" runs them one after another)`,
    );
  try {
    if (start.from && start.state) {
      for (const [i, p] of team.policies.entries())
        p.restore((await loadCheckpointPolicy(start.from, i, start.state.optimizerSteps[i])).train);
    }
    const verifier = await setupVerifier({
      config: models,
      data,
      team,
      run,
      runtime,
      baseDir: o.baseDir,
      resumeFrom: start.from,
      say,
    });
    const gen = config.generation;
    const evalGeneration = { ...gen, temperature: config.eval.temperature ?? gen.temperature };
    const greedyCopies = identicalAgentsWarning(
      evalGeneration.temperature,
      config.agents.count,
      config.agents.policySharing,
      config.agents.models.length > 1 ? config.agents.models : undefined,
    );
    if (greedyCopies && !start.state) run.log(0, greedyCopies.replace(/^warning: /, 'evaluation: '), 'warn');
    const discussion: RunDiscussionOptions = {
      agents: config.agents.count,
      prompt: promptOptionsOf(config.discussion),
      kind: data.kind,
      verifier: verifier.score ?? groundTruthVerifier,
      modelFor: (a, t) => team.policyOf(a, t).sampler,
    };
    return {
      config,
      run,
      team,
      verifier,
      discussion,
      data,
      evalRecords: data.test.slice(0, config.eval.questions),
      evalGeneration,
    };
  } catch (err) {
    await team.release(); // what set-up made so far
    throw err;
  }
}

/** Evaluates the team at `step` on the run's test questions: an `eval` metrics event and the transcripts. */
async function evaluateAt(c: RunContext, step: number): Promise<EvalTable> {
  const { config, run } = c;
  const r = await evaluate(c.evalRecords, step, {
    ...c.discussion,
    turns: config.discussion.turns,
    generation: c.evalGeneration,
    seed: config.seed + 7919 * (step + 1),
  });
  run.event({
    type: 'metrics',
    split: 'eval',
    step,
    turns: r.table.turns,
    majorityAccuracy: r.table.turns.map((m) => m.majorityAccuracy),
    meanAgentAccuracy: r.table.turns.map((m) => m.meanAgentAccuracy),
    verifier: r.verifierByTurn,
  });
  for (const d of r.discussions) run.transcript(toTranscript(d, step, 'eval'));
  return r.table;
}

/** The checkpoint after `iteration` (design.md, "Run directory"), then its event. */
async function saveRunCheckpoint(c: RunContext, iteration: number, before: EvalTable | null): Promise<void> {
  const { config, run, team, verifier } = c;
  const dir = await saveCheckpoint(run.checkpoints, {
    state: {
      iteration,
      policySharing: config.agents.policySharing,
      policies: team.policies.length,
      agents: config.agents.count,
      turns: config.discussion.turns,
      optimizerSteps: team.policies.map((p) => p.state.step),
      verifier: config.verifier.type,
      verifierReport: verifier.report,
      before: before ?? undefined,
      logs: run.marks(),
    },
    policies: team.policies.map((p, i) => ({
      config: team.bases[i].model.config,
      train: p.state,
      tokenizer: team.bases[i].tokenizer,
    })),
    verifier:
      verifier.model && verifier.tokenizerSource
        ? { config: verifier.model.config, weights: verifier.model.weights, tokenizer: verifier.tokenizerSource }
        : undefined,
  });
  run.event({ type: 'checkpoint', step: iteration, path: path.relative(run.dir, dir) });
}

function makeSummary(
  config: MaporlConfig,
  status: RunSummary['status'],
  steps: number,
  startedAt: Date,
  before: EvalTable | null,
  after: EvalTable | null,
  report: Record<string, number> | undefined,
  message?: string,
): RunSummary {
  const finishedAt = new Date();
  const last = (t: EvalTable | null) => (t && t.turns.length ? t.turns[t.turns.length - 1].majorityAccuracy : null);
  return {
    name: config.name,
    status,
    mode: config.training.mode,
    steps,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    before,
    after,
    metrics: { ...(report ?? {}), finalMajorityAccuracyBefore: last(before), finalMajorityAccuracyAfter: last(after) },
    ...(message ? { message } : {}),
  };
}

/**
 * The config's model specs with "base-agents" resolved: the base-agent stage's SFT runs here (or its
 * cached result is reused). Its progress goes to the run as typed `stage` events (protocol/runRecords.ts,
 * StageEvent), so the dashboard shows what the first minutes are for; the terminal gets the same as lines.
 */
async function prepareBaseStage(
  config: MaporlConfig,
  run: RunDir,
  step: number,
  say: (line: string) => void,
  runtime: RuntimeOptions,
): Promise<MaporlConfig> {
  const recipe = recipeOf(config);
  if (!recipe) return config;
  const t0 = performance.now();
  const onStep = stageProgress(recipe, step, (e, s) => {
    say(`base agents: SFT step ${s.step}/${s.totalSteps}, loss ${s.loss.toFixed(3)}`);
    run.event(e);
  });
  const prepared = await ensurePreparedBase(recipe, onStep, undefined, runtime);
  const how = prepared.fresh ? `prepared by SFT in ${((performance.now() - t0) / 1000).toFixed(0)} s` : 'reused from the cache';
  run.event(stageEnd(recipe, step, prepared));
  run.log(step, `base agents: ${how} (${prepared.modelDir})`);
  say(`base agents: ${how} (${prepared.modelDir})`);
  return withBaseModel(config, prepared.modelDir);
}
