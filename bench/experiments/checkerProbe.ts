// Can the learned verifier learn to check pairsum proposals (issue 23 asks within-question AUC
// >= 0.95)? Trains it on labelled proposals only (tasks/proposals.ts: solutions and near misses of
// training questions), then scores the base agents' own turn-1 answers to held-out questions and
// reports AUC overall and between answers to one question, with the mean score per kind of error.
// The settings it chose are cell.ts CHECKER_VERIFIER; its runs are docs/experiments/control/checker-settings.json.
//   node --import tsx bench/experiments/checkerProbe.ts MODEL_DIR [PROPOSALS LR EPOCHS]
import { groundTruthVerifier } from '../../src/engine/maporl/discussion/discussion';
import { evaluate } from '../../src/engine/maporl/discussion/evaluate';
import { LearnedVerifier } from '../../src/engine/maporl/verifier/verifier';
import { LMRuntime } from '../../src/engine/generate/runtime';
import { loadModel } from '../../src/engine/nn/model';
import { auc, withinGroupAuc } from '../../src/engine/core/scoreMetrics';
import { Rng } from '../../src/engine/core/random';
import { labelledProposals } from '../../src/engine/tasks';
import { generateSplit, parsePairsum } from '../../src/engine/tasks/synthetic';
import { suiteConfig } from './cell';

const [modelDir, proposals = '60000', lr = '1e-3', epochs = '4'] = process.argv.slice(2);
/** Held-out questions and their sampled answers (3 per question at T 0.7), from a split seed of their own. */
const QUESTIONS = 300;
const SPLIT_SEED = 77;

/** What is wrong with a wrong answer: how many of its numbers are listed, and whether its sum is true. */
function errorKind(question: string, response: string, correct: boolean): string {
  if (correct) return 'right';
  const q = parsePairsum(question)!;
  const m = /^\s*(\d+)\+(\d+)=(\d+)\. Answer/.exec(response);
  if (!m) return 'malformed';
  const [a, b, s] = m.slice(1).map(Number);
  return `${[a, b].filter((x) => q.list.includes(x)).length} listed, ${a + b === s ? 'true' : 'false'} sum`;
}

async function main(): Promise<void> {
  const config = suiteConfig(0, modelDir, { 'task.type': 'pairsum' });
  const model = await loadModel(modelDir);
  const lm = await LMRuntime.create(model);
  const test = generateSplit('pairsum', 'test', QUESTIONS, SPLIT_SEED);
  const r = await evaluate(test, 0, {
    agents: 3,
    turns: 1,
    prompt: { templates: config.discussion.templates, show: config.discussion.show, feedVerifierScores: false },
    generation: { ...config.generation, temperature: 0.7 },
    seed: 99,
    kind: 'pair',
    modelFor: () => lm,
    verifier: groundTruthVerifier,
  });
  await lm.release();
  const answers = r.discussions.flatMap((d) =>
    d.turns[0].map((x) => ({ question: d.record.question, response: x.text, correct: x.correct })),
  );
  const rng = new Rng(5, 'checker-probe');
  const train = generateSplit('pairsum', 'train', Math.ceil(Number(proposals) / 2), SPLIT_SEED);
  const examples = train.flatMap((t) => labelledProposals('pair', t, rng)).slice(0, Number(proposals));
  const v = LearnedVerifier.fromBase(model, {}, config.discussion.templates.first);
  const t0 = performance.now();
  await v.train(examples, { epochs: Number(epochs), lr: Number(lr), batchSize: 32, seed: 1 });
  const trainSeconds = (performance.now() - t0) / 1000;
  const scores = await v.score(answers);
  const labels = answers.map((x) => x.correct);
  const byKind: Record<string, number[]> = {};
  answers.forEach((x, i) => (byKind[errorKind(x.question, x.response, x.correct)] ??= []).push(scores[i]));
  console.log(
    JSON.stringify({
      proposals: examples.length,
      lr: Number(lr),
      epochs: Number(epochs),
      batchSize: 32,
      trainSeconds: Math.round(trainSeconds),
      heldOutResponses: answers.length,
      auc: +auc(scores, labels).toFixed(3),
      withinQuestionAuc: +withinGroupAuc(
        scores,
        labels,
        answers.map((x) => x.question),
      ).toFixed(3),
      meanScoreByKind: Object.fromEntries(
        Object.entries(byKind).map(([k, xs]) => [
          k,
          { n: xs.length, mean: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2) },
        ]),
      ),
    }),
  );
  await v.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
