// `maporl demo`: the embedded default job. Builds tiny base agents by SFT on the built-in
// arithmetic task, runs MAPoRL co-training on the ground-truth reward (or, with --verifier learned,
// trains a verifier on their sampled answers and rewards its scores), and prints the turn-by-turn
// evaluation before and after. Everything it makes stays in --out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../engine/maporl/config';
import { discussionVerdict, promptOptionsOf } from '../../engine/maporl/discussion';
import { DEMO_RECIPE, prepareBaseAgents, train } from '../../engine/maporl/train';
import { DEMO_DIR_ENTRIES, outputDir, prepareOutputDir } from '../../engine/io/outputs';
import { assertUnlocked } from '../../engine/io/runLock';
import { isTranscriptRecord } from '../../protocol/runRecords';
import { DiscussionSchema } from '../../protocol/configSchema';
import { Progress } from '../progress';
import { UsageError } from '../errors';
import { stopOnSignals } from '../stop';
import { type Command, commandRuntime } from './command';
import { booleans, intOption, parse, strings } from './options';

/**
 * Sizes of the two demo variants. Both make the same base agents (calibrated to be right about half
 * the time alone at the discussion temperature: docs/tasks.md, "Calibration of the built-in tasks").
 * MAPoRL needs a few hundred sampled discussions an iteration and tens of iterations before the team
 * measurably changes (docs/results.md, the learning ladder); the demo runs the ladder's rung 3 as
 * long as five minutes on two CPU cores allow (an iteration takes about 4.4 s there, SFT 25 s, each
 * evaluation of 500 questions a few seconds); --quick tests fewer questions.
 */
const PLANS = {
  quick: { verifierSamples: 2048, verifierEpochs: 3, iterations: 50, questions: 32, samples: 4, evalQuestions: 200 },
  full: { verifierSamples: 8000, verifierEpochs: 6, iterations: 56, questions: 32, samples: 4, evalQuestions: 500 },
};

/** Sampling temperature of the discussion (and of the verifier's training samples). */
const TEMPERATURE = 0.7;

/**
 * The discussion as the demo runs it, and as its SFT data shows it: the default templates, whose
 * later turns put the previous answers *before* the question, so the question still ends right
 * before "A:" as on turn 1 (with the answers between question and "A:" the half-trained agents
 * took numbers from them: ~45% right on turn 1, ~12% on turn 2; docs/tasks.md, calibration).
 */
const DISCUSSION = { turns: 3 };

export const demo: Command = {
  summary: 'the embedded default: tiny agents, MAPoRL co-training, before/after table',
  usage: '[--quick] [--verifier ground-truth|learned] [--out DIR] [--seed N] [--force]',
  async run(args) {
    const { values } = parse(args, { ...strings('verifier', 'out', 'seed'), ...booleans('quick', 'force') });
    const plan = values.quick ? PLANS.quick : PLANS.full;
    // Ground truth by default: the tiny agents learn to game the tiny learned verifier (held-out
    // AUC 0.765-0.798 in the verifier-learned cells) without getting more answers right (docs/results.md, rung 2).
    const verifierType = values.verifier ?? 'ground-truth';
    if (verifierType !== 'ground-truth' && verifierType !== 'learned')
      throw new UsageError(`--verifier must be ground-truth or learned, got "${verifierType}"`);
    const seed = intOption(values.seed, '--seed', 0);
    const out = path.resolve(values.out ?? path.join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`));
    const say = (line: string) => process.stderr.write(line + '\n');
    // --force replaces only an earlier demo (io/outputs.ts); its run's labels are moved beside it.
    outputDir(out); // a file or a device named by --out: exit 2 before anything else
    assertUnlocked(path.join(out, 'run'));
    prepareOutputDir(out, {
      owned: DEMO_DIR_ENTRIES,
      notEmpty: 'exists and is not empty (use --force to replace an earlier demo)',
      force: Boolean(values.force),
      say,
    });
    const t0 = Date.now();

    // 1. Base agents: a fresh `tiny` model fine-tuned on worked solutions.
    say(`[1/3] base agents: SFT of a tiny model on the built-in arithmetic task (${DEMO_RECIPE.steps} steps)`);
    const prompt = promptOptionsOf(DiscussionSchema.parse(DISCUSSION));
    const sftProgress = new Progress('  sft', DEMO_RECIPE.steps);
    const sft = await prepareBaseAgents(
      path.join(out, 'agents'),
      { ...DEMO_RECIPE, task: 'arith', prompt, seed },
      (s) => sftProgress.update(s.step, `loss ${s.loss.toFixed(3)}`),
      commandRuntime({}), // the environment's provider and threads, as the run's own config (runtime: defaults) takes them
    );
    say(`  held-out completion loss ${sft.heldOutLoss?.before?.toFixed(3)} -> ${sft.heldOutLoss?.after.toFixed(3)}`);

    // 2 + 3. Verifier and MAPoRL, as an ordinary experiment config the user can run again.
    const config = parseConfig(
      {
        name: values.quick ? 'demo-quick' : 'demo',
        seed,
        task: { type: 'arith', nTrain: 2000, nTest: plan.evalQuestions },
        agents: { count: 3, models: [path.relative(out, sft.modelDir!)], policySharing: 'shared' },
        discussion: DISCUSSION,
        generation: { maxNewTokens: 48, temperature: TEMPERATURE },
        // Low lr, small batches (1e-3 memorises the few hundred balanced pairs).
        verifier:
          verifierType === 'learned'
            ? {
                type: 'learned',
                model: path.relative(out, sft.modelDir!),
                trainSamples: plan.verifierSamples,
                epochs: plan.verifierEpochs,
                lr: 1e-4,
                batchSize: 8,
              }
            : { type: 'ground-truth' },
        training: {
          mode: 'maporl',
          iterations: plan.iterations,
          questionsPerIteration: plan.questions,
          samplesPerQuestion: plan.samples,
        },
        eval: { every: 0, questions: plan.evalQuestions },
        checkpoint: { every: 0 },
      },
      'demo config',
    );
    fs.writeFileSync(path.join(out, 'demo.maporl.json'), JSON.stringify(config, null, 2) + '\n');
    say(
      `[2/3] verifier: ${verifierType}${verifierType === 'ground-truth' ? ' (reward = correctness; --verifier learned trains one)' : ''}`,
    );
    say(
      `[3/3] MAPoRL: ${config.agents.count} agents, ${config.discussion.turns} turns, ${plan.iterations} iterations of ${plan.questions} questions x ${plan.samples} discussions`,
    );
    const progress = new Progress('  maporl', plan.iterations);
    const stop = stopOnSignals();
    try {
      const summary = await train({
        config,
        baseDir: out,
        out: path.join(out, 'run'),
        say: (l) => say(l.replace(/^/gm, '  ')),
        onIteration: (d, n) => progress.update(d, `of ${n}`),
        stopSignal: stop.signal,
      });
      process.stdout.write(
        `\n${summary.status} in ${((Date.now() - t0) / 1000).toFixed(0)} s; run directory: ${path.join(out, 'run')}\n`,
      );
      if (summary.status === 'finished') {
        const credits = (step: number) => evalCredits(path.join(out, 'run', 'transcripts.jsonl'), step);
        const verdict = discussionVerdict(credits(0), credits(summary.steps));
        if (verdict.length) process.stdout.write(`\n${verdict.join('\n')}\n`);
        if (values.quick)
          process.stdout.write(
            `--quick trains ${plan.iterations} iterations and tests ${plan.evalQuestions} questions: too short to separate changes of a few points; ` +
              `the full demo (npm run demo) and docs/results.md measure them with more questions and seeds\n`,
          );
      }
      return summary.status === 'failed' ? 1 : 0;
    } finally {
      stop.dispose();
    }
  },
};

/** [turn][question] majority credits of a run's evaluation at `step`, questions in id order. */
function evalCredits(file: string, step: number): number[][] {
  const records = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown)
    .filter(isTranscriptRecord)
    .filter((r) => r.split === 'eval' && r.step === step)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (!records.length) return [];
  return records[0].turns.map((_, t) => records.map((r) => r.majorityCredit?.[t] ?? (r.majorityCorrect[t] ? 1 : 0)));
}
