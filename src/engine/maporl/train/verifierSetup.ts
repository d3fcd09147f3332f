// Builds the run's verifier. Ground truth: nothing to build. Learned: sample responses from the base
// agents on training questions (turn-1 prompts), label them by ground truth, balance per question,
// train the verifier on 80% of the questions and report AUC and calibration on the other 20%.
// Responses annotators labelled in earlier runs (verifier.humanLabels) join the training set as they
// are (not balanced, never held out): the held-out report stays a measure against ground truth.
// Proposals made from training questions' worked solutions (verifier.taskProposals: each solution and
// a near miss, tasks/proposals.ts) join too, from questions outside the held-out ones.
import * as path from 'node:path';
import { humanLabelExamples } from '../../annotations/humanLabels';
import type { RuntimeOptions } from '../../runtime/session';
import { promptTokens } from '../../prompts/tokens';
import { labelledProposals, proposalsUnsupported, type TaskData } from '../../tasks';
import { extractAnswer, grade } from '../../tasks/answers';
import { Rng } from '../../core/random';
import type { CausalLM } from '../../nn/model';
import { loadCheckpointVerifier, readTrainerState } from '../run/checkpoint';
import type { MaporlConfig } from '../config';
import type { VerifierFn } from '../discussion/discussion';
import { promptOptionsOf, renderPrompt } from '../discussion/prompts';
import type { RunDir } from '../run/runDir';
import { resolveModel, type Team, type TokenizerSource } from '../ppo/team';
import { LearnedVerifier, type LabelledExample } from '../verifier/verifier';
import { auc, expectedCalibrationError, withinGroupAuc } from '../../core/scoreMetrics';
import { balancePerQuestion } from '../verifier/verifierMetrics';

export interface VerifierSetup {
  score?: VerifierFn;
  model?: Pick<CausalLM, 'config' | 'weights'>;
  tokenizerSource?: TokenizerSource;
  report?: Record<string, number>;
  runMs(): number;
  release(): Promise<void>;
}

/** Responses sampled per question for verifier training. */
const SAMPLES_PER_QUESTION = 4;

interface SetupArgs {
  config: MaporlConfig;
  data: TaskData;
  team: Team;
  run: RunDir;
  runtime: RuntimeOptions;
  baseDir: string;
  resumeFrom: string | null;
  say: (line: string) => void;
}

export async function setupVerifier(a: SetupArgs): Promise<VerifierSetup> {
  const { config } = a;
  if (config.verifier.type === 'ground-truth') return { runMs: () => 0, release: async () => undefined };
  const resolved = await resolveModel(config.verifier.model, config.seed + 1, a.baseDir);
  let learned: LearnedVerifier;
  let report: Record<string, number> | undefined;
  if (a.resumeFrom) {
    const saved = await loadCheckpointVerifier(a.resumeFrom);
    if (!saved) throw new Error(`${a.resumeFrom}: the checkpoint has no verifier`);
    learned = new LearnedVerifier(saved.config, saved.tokenizer, saved.weights, a.runtime, config.discussion.templates.first);
    report = readTrainerState(a.resumeFrom).verifierReport;
  } else {
    learned = LearnedVerifier.fromBase(resolved.model, a.runtime, config.discussion.templates.first);
    report = await trainVerifier(learned, a);
  }
  const score: VerifierFn = (pairs) => learned.score(pairs);
  return {
    score,
    model: learned,
    tokenizerSource: resolved.tokenizer,
    report,
    runMs: () => learned.timing.runMs,
    release: () => learned.release(),
  };
}

async function trainVerifier(v: LearnedVerifier, a: SetupArgs): Promise<Record<string, number>> {
  const { config, data, team } = a;
  const rng = new Rng(config.seed, 'verifier/questions');
  const nQuestions = Math.min(data.train.length, Math.ceil(config.verifier.trainSamples / SAMPLES_PER_QUESTION));
  const questions = rng.shuffle(data.train).slice(0, nQuestions);
  a.say(`sampling ${nQuestions * SAMPLES_PER_QUESTION} responses from the base agents for the verifier…`);
  const prompt = { ...promptOptionsOf(config.discussion), feedVerifierScores: false };
  const examples: LabelledExample[] = [];
  const temperature = Math.max(config.generation.temperature, 0.7);
  for (let i = 0; i < questions.length; i += 32) {
    const part = questions.slice(i, i + 32);
    const lm = team.policies[(i / 32) % team.policies.length].lm;
    const prompts = part.flatMap((q) =>
      Array.from({ length: SAMPLES_PER_QUESTION }, () =>
        promptTokens(lm.model.tokenizer, renderPrompt({ question: q.question, turn: 0 }, prompt)),
      ),
    );
    const gens = await lm.generate(prompts, { ...config.generation, temperature, seed: config.seed + 17 * i });
    gens.forEach((g, k) => {
      const q = part[Math.floor(k / SAMPLES_PER_QUESTION)];
      examples.push({
        question: q.question,
        response: g.text,
        correct: grade(data.kind, extractAnswer(data.kind, g.text), q.answer),
      });
    });
  }
  const cut = Math.floor(questions.length * 0.8);
  const trainQs = new Set(questions.slice(0, cut).map((q) => q.question));
  const heldOut = examples.filter((x) => !trainQs.has(x.question));
  const trainSet = balancePerQuestion(
    examples.filter((x) => trainQs.has(x.question)),
    new Rng(config.seed, 'verifier/balance'),
  );
  const baseAccuracy = examples.filter((x) => x.correct).length / Math.max(1, examples.length);
  if (trainSet.length === 0) {
    throw new Error(
      `the base agents' sampled answers are all ${baseAccuracy > 0.5 ? 'correct' : 'wrong'} (accuracy ${(100 * baseAccuracy).toFixed(0)}%): nothing to train a verifier on; use "verifier": {"type": "ground-truth"} or better base agents`,
    );
  }
  const human = await humanExamples(a);
  const proposals = taskProposals(a, new Set(heldOut.map((x) => x.question)));
  a.say(
    `training the verifier on ${trainSet.length} balanced responses (base agents ${(100 * baseAccuracy).toFixed(0)}% correct)${proposals.length ? `, ${proposals.length} labelled proposals` : ''}${human.length ? ` and ${human.length} human-labelled ones` : ''}…`,
  );
  const losses = await v.train([...trainSet, ...proposals, ...human], {
    epochs: config.verifier.epochs,
    lr: config.verifier.lr,
    batchSize: config.verifier.batchSize,
    seed: config.seed,
  });
  const scores = await v.score(heldOut);
  const labels = heldOut.map((x) => x.correct);
  const report = {
    verifierAuc: auc(scores, labels),
    verifierWithinQuestionAuc: withinGroupAuc(
      scores,
      labels,
      heldOut.map((x) => x.question),
    ),
    verifierEce: expectedCalibrationError(scores, labels),
    verifierAccuracy: scores.filter((s, i) => s >= 0.5 === labels[i]).length / Math.max(1, scores.length),
    verifierTrainExamples: trainSet.length,
    verifierHumanExamples: human.length,
    verifierTaskProposals: proposals.length,
    verifierHeldOutExamples: heldOut.length,
    verifierFinalLoss: losses.length ? losses.slice(-10).reduce((x, y) => x + y, 0) / Math.min(10, losses.length) : NaN,
    baseAgentAccuracy: baseAccuracy,
  };
  const line = `verifier: AUC ${report.verifierAuc.toFixed(3)} (${report.verifierWithinQuestionAuc.toFixed(3)} between answers to one question), ECE ${report.verifierEce.toFixed(3)}, accuracy ${(100 * report.verifierAccuracy).toFixed(1)}% on ${heldOut.length} held-out responses`;
  a.run.log(0, line);
  a.say(line);
  return report;
}

/**
 * verifier.taskProposals labelled proposals (a solution and a near miss per question) from training
 * questions outside the held-out ones, cycling through them when more are asked than there are.
 */
function taskProposals(a: SetupArgs, heldOut: Set<string>): LabelledExample[] {
  const want = a.config.verifier.taskProposals;
  if (want === 0) return [];
  const records = a.data.train.filter((r) => !heldOut.has(r.question));
  const why = proposalsUnsupported(a.data.kind, records);
  if (why) throw new Error(`verifier.taskProposals: task "${a.config.task.type}" has none (${why}); set it to 0`);
  const rng = new Rng(a.config.seed, 'verifier/proposals');
  const out: LabelledExample[] = [];
  while (out.length < want) {
    const before = out.length;
    for (const r of rng.shuffle(records)) {
      out.push(...labelledProposals(a.data.kind, r, rng));
      if (out.length >= want) break;
    }
    if (out.length === before) throw new Error(`verifier.taskProposals: no proposal could be made from the training questions`);
  }
  return out.slice(0, want);
}

/** The training examples of verifier.humanLabels (none without it); what could not be read is logged. */
async function humanExamples(a: SetupArgs): Promise<LabelledExample[]> {
  const labels = a.config.verifier.humanLabels;
  if (!labels) return [];
  // The run's config.json has them absolute (resolveConfigPaths); a config parsed elsewhere is relative to baseDir.
  const r = await humanLabelExamples(
    labels.runs.map((run) => path.resolve(a.baseDir, run)),
    labels.weight,
  );
  for (const p of r.problems) {
    const first = p.transcripts[0];
    a.run.log(
      0,
      `verifier.humanLabels: ${p.run}: skipped ${p.brokenAnnotations} broken annotations.jsonl line(s) and ${p.transcripts.length} broken transcripts.jsonl line(s)${first ? ` (first: line ${first.line}, ${first.problem})` : ''}`,
      'warn',
    );
  }
  if (r.missing)
    a.run.log(0, `verifier.humanLabels: ${r.missing} labelled response(s) not found in their run's transcripts.jsonl`, 'warn');
  return r.examples;
}
