// What makes pairsum a positive control, measured on its SFT'd base agents before any RL
// (issue 23, docs/results.md "The positive control"):
//   - diversity: at turn 1 the oracle (at least one of three agents right) is well above the majority;
//   - the ceiling: a scripted turn 2 in which each agent takes the first answer, its own then its
//     peers', that checks out (the rule checker of tasks/synthetic/pairsum.ts) — the headroom a team
//     that learned to check could reach;
//   - checking is learnable: the learned verifier, trained as a run trains it, separates right from
//     wrong answers to one question (within-question AUC).
// Same held-out questions and sampling temperature as the suite's cells.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groundTruthVerifier } from '../../src/engine/maporl/discussion/discussion';
import { majorityVote } from '../../src/engine/maporl/discussion/discussionMetrics';
import { evaluate } from '../../src/engine/maporl/discussion/evaluate';
import { train } from '../../src/engine/maporl/train/trainer';
import { LMRuntime } from '../../src/engine/generate/runtime';
import { loadModel } from '../../src/engine/nn/model';
import { checksOut, generateSplit } from '../../src/engine/tasks/synthetic';
import { grade } from '../../src/engine/tasks/answers';
import { EVAL_SPLIT_SEED, EVAL_TEMPERATURE, machineLabel, suiteConfig } from './cell';

export interface ControlSample {
  samplingSeed: number;
  meanAgent: number;
  majority: number;
  oracle: number;
  /** Mean number of distinct answers among the three agents of a question. */
  distinct: number;
  /** The scripted turn 2's majority accuracy (take an answer that checks out, else keep yours). */
  ceiling: number;
}

export interface ControlResult {
  baseSeed: number;
  recipe: Record<string, unknown>;
  machine: string;
  finishedAt: string;
  questions: number;
  agents: number;
  temperature: number;
  samples: ControlSample[];
  /** The learned verifier, trained on the base agents' answers as a run does (held-out questions). */
  verifier: { auc: number; withinQuestionAuc: number; heldOutExamples: number; settings: Record<string, unknown> };
}

const SAMPLING_SEEDS = [0, 1, 2, 3, 4];
const AGENTS = 3;

export async function measureControl(o: {
  modelDir: string;
  baseSeed: number;
  recipe: Record<string, unknown>;
  questions: number;
  scratch: string;
  say: (l: string) => void;
}): Promise<ControlResult> {
  const records = generateSplit('pairsum', 'test', o.questions, EVAL_SPLIT_SEED);
  const config = suiteConfig(o.baseSeed, o.modelDir, { 'task.type': 'pairsum' });
  const lm = await LMRuntime.create(await loadModel(o.modelDir));
  const samples: ControlSample[] = [];
  try {
    for (const s of SAMPLING_SEEDS) {
      o.say(`control base ${o.baseSeed}: turn-1 samples, sampling seed ${s}…`);
      const r = await evaluate(records, 0, {
        agents: AGENTS,
        turns: 1,
        prompt: { templates: config.discussion.templates, show: config.discussion.show, feedVerifierScores: false },
        generation: { ...config.generation, temperature: EVAL_TEMPERATURE },
        seed: 424_242 + s,
        kind: 'pair',
        modelFor: () => lm,
        verifier: groundTruthVerifier,
      });
      const first = r.discussions.map((d) => d.turns[0]);
      const scripted = first.map((row, q) => {
        const answers = row.map((_, a) => {
          const order = [row[a], ...row.filter((_, j) => j !== a)];
          return (order.find((v) => checksOut(records[q].question, v.answer)) ?? row[a]).answer;
        });
        return majorityVote(
          answers,
          answers.map((x) => grade('pair', x, records[q].answer)),
        ).credit;
      });
      const m = r.table.turns[0];
      samples.push({
        samplingSeed: s,
        meanAgent: m.meanAgentAccuracy,
        majority: m.majorityAccuracy,
        oracle: m.oracle!,
        distinct: mean(first.map((row) => new Set(row.map((v) => v.answer ?? '?')).size)),
        ceiling: mean(scripted),
      });
    }
  } finally {
    await lm.release();
  }
  // The learned verifier as the suite's learned-verifier row trains it; no PPO (training.mode none).
  const settings = { type: 'learned', model: o.modelDir, trainSamples: 2048, epochs: 3, lr: 1e-4, batchSize: 8 };
  const vConfig = suiteConfig(o.baseSeed, o.modelDir, { 'task.type': 'pairsum', 'training.mode': 'none', verifier: settings });
  o.say(`control base ${o.baseSeed}: training the learned verifier…`);
  const out = path.join(o.scratch, `control-verifier-${o.baseSeed}`);
  fs.rmSync(out, { recursive: true, force: true });
  const summary = await train({ config: vConfig, baseDir: process.cwd(), out });
  fs.rmSync(out, { recursive: true, force: true });
  const metric = (k: string) => {
    const x = summary.metrics[k];
    if (typeof x !== 'number') throw new Error(`control base ${o.baseSeed}: the verifier report has no ${k}`);
    return x;
  };
  return {
    baseSeed: o.baseSeed,
    recipe: o.recipe,
    machine: machineLabel(),
    finishedAt: new Date().toISOString(),
    questions: o.questions,
    agents: AGENTS,
    temperature: EVAL_TEMPERATURE,
    samples,
    verifier: {
      auc: metric('verifierAuc'),
      withinQuestionAuc: metric('verifierWithinQuestionAuc'),
      heldOutExamples: metric('verifierHeldOutExamples'),
      settings: { ...settings, model: 'the base agents' },
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
