// The rows of the science suite: the paper's findings, each as a set of cells (one per
// seed) that train a team (or not) and evaluate it on the same held-out questions. Everything
// starts from the same SFT'd `tiny` base agents (bench/ladder.ts ensureBaseAgents) and the built-in
// arithmetic task (the transfer rows: agents SFT'd on arithmetic and NLI, trained on one, tested on
// the other; the heterogeneous rows: a `small` agent between two `tiny` ones, one policy per agent);
// 3 agents x 3 turns unless the row says otherwise. The `pairsum-` rows are the positive control
// (issue 23): the same protocol on a task where checking an answer is far easier than finding it,
// from base agents SFT'd on that task (two SFT seeds).
import type { BuiltinTask } from '../../src/protocol/choices';

export interface Row {
  id: string;
  /** What the row measures, one line for the table. */
  title: string;
  /** Training (none: the off-the-shelf team). Overrides by dotted config path on top of baseTraining(). */
  train: 'none' | Record<string, unknown>;
  /** 160 iterations (x scale) on a 50,000-question split, the rung-1 recipe's length, instead of 60. */
  long?: boolean;
  /**
   * The base agents: fine-tuned on arithmetic (default), on arithmetic and NLI together (transfer
   * rows), or a heterogeneous team: agents 1 and 3 `tiny`, agent 2 `small`, all fine-tuned on arithmetic;
   * or `text`: later-turn prompts show the previous responses in full (`discussion.show: "text"`), and the
   * agents are SFT'd in that format (TEXT_AGENTS).
   */
  base?: 'arith' | 'mixed' | 'hetero' | 'text' | 'pairsum' | 'pairsum-scored' | 'pairsum-nearmiss' | 'pairsum-checking';
  /** Seed of the base agents' SFT (default 0): rows on a second, independently fine-tuned base. */
  baseSeed?: number;
  /** Team size (default 3), for the official code's 2 agents x 3 turns. */
  agents?: number;
  /** The task trained on (default arith) and the one the held-out questions come from (default arith). */
  trainTask?: BuiltinTask;
  evalTask?: BuiltinTask;
}

/** The rung-1 recipe's length (docs/results.md): 160 iterations, every training question fresh. */
const LONG = (scale: number) => ({ 'training.iterations': Math.max(1, Math.round(160 * scale)), 'task.nTrain': 50000 });

/**
 * The training every trained row starts from: rung 3 of the learning ladder (docs/results.md), sized
 * so one cell takes 5-10 minutes on 2 cores. `iterations` and `questions` scale it (--scale).
 */
export function baseTraining(scale: number, train: Row['train'] = {}, long = false): Record<string, unknown> {
  if (train === 'none') return {};
  const suite = {
    'training.mode': 'maporl',
    'training.iterations': Math.max(1, Math.round(60 * scale)),
    'training.questionsPerIteration': 32,
    'training.samplesPerQuestion': 4,
  };
  return { ...suite, ...(long ? LONG(scale) : {}), ...train };
}

/**
 * The `text` rows' base agents: SFT'd with the later-turn prompts in full, made-up wrong responses
 * that slip (sftData.ts), and 1.5x the demo's SFT steps, as the long prompts take capacity (the
 * text-off-the-shelf cells measure the result).
 */
export const TEXT_AGENTS = { steps: 3300, madeUpErrors: 'slip', show: 'text' } as const;

/**
 * The positive control's base agents (docs/tasks.md, pairsum): the demo's recipe on pairsum with
 * 50,000 SFT pairs and 4000 steps, chosen from a sweep of checkpoints before any RL ran: right
 * about 45% of the time at T 0.7 with the oracle about 20 points above the majority
 * (docs/experiments/control/).
 */
export const PAIRSUM_AGENTS = { task: 'pairsum', steps: 4000, examples: 50_000 } as const;

/**
 * The same, with a score shown beside every previous response in the later-turn SFT prompts: agents
 * SFT'd without them break when a prompt shows one (in a short smoke run their turn-2
 * answers were almost all wrong). The made-up scores separate right from wrong perfectly, as the official prompt tells
 * its agents the verifier is "highly reliable"; the learned verifier the run shows is not (docs/results.md).
 */
export const PAIRSUM_SCORED_AGENTS = { ...PAIRSUM_AGENTS, scores: true } as const;

/**
 * The control's recipe with later-turn SFT data whose made-up wrong pairs are the agents' own kinds
 * of error (baseAgents.madeUpErrors "near-miss": mostly a listed number with its unlisted
 * complement), so that SFT shows the error a discussion has to catch (docs/tasks.md).
 */
export const PAIRSUM_NEARMISS_AGENTS = { ...PAIRSUM_AGENTS, madeUpErrors: 'near-miss' } as const;

/**
 * Base agents that check better: the control's base 0 fine-tuned further on 200,000 later-turn
 * pairs whose made-up previous answers are right half of the time and otherwise near misses of the
 * agents' kinds (10,000 steps of 16): supervision that pays for taking a shown pair that checks out.
 * Chosen from control/probe-long-supervision.json before any RL ran on it: a peer's right answer
 * taken 55% of the time and a wrong one 26% (base 0: 40% / 27%).
 */
export const PAIRSUM_CHECKING_STAGE = {
  task: 'pairsum',
  examples: 200_000,
  dataSeed: 11,
  heldOutSeed: 12,
  madeUpErrors: 'near-miss',
  steps: 10_000,
  batchSize: 16,
  lr: 1e-3,
  warmupSteps: 100,
  sftSeed: 3,
} as const;

/** The positive-control rows on one base: off-the-shelf, co-trained, trained alone (ids end in `-b<seed>` past base 0). */
/** Each agent trained alone on turn-1 answers: MAPoRL samples 3 turns x 3 agents a discussion, alone one turn, so 3x the questions. */
const SINGLE_AGENT = { 'training.mode': 'single-agent', 'training.questionsPerIteration': 96 };

function pairsumRows(baseSeed: number): Row[] {
  const tail = baseSeed ? `-b${baseSeed}` : '';
  const on = { base: 'pairsum', baseSeed, trainTask: 'pairsum', evalTask: 'pairsum' } as const;
  const of = baseSeed ? ` (base agents seed ${baseSeed})` : '';
  return [
    { id: `pairsum-off-the-shelf${tail}`, title: `control F1: SFT'd pairsum agents, no RL${of}`, train: 'none', ...on },
    { id: `pairsum-maporl${tail}`, title: `control F2: MAPoRL co-training on pairsum${of}`, train: {}, ...on },
    {
      id: `pairsum-single-agent${tail}`,
      title: `control F2: each agent trained alone on turn-1 pairsum answers${of}`,
      train: SINGLE_AGENT,
      ...on,
    },
  ];
}

/** LoRA adapters instead of full fine-tuning (training.lora; docs/engine.md). */
const LORA = { 'training.lora': { rank: 8, targetModules: ['all-linear'] }, 'training.ppo.lr': 1e-3 };

/** Incentive weights: each alone at this value (reward.alpha; docs/reward.md). */
const ALPHA_ON = 0.5;
const alphaWith = (k: number) => [0, 1, 2, 3].map((i) => (i === k ? ALPHA_ON : 0));
const ALPHA_NAMES = ['persuaded', 'corrected', 'influence-while-wrong', 'influence-while-right'];

export const ROWS: Row[] = [
  ...pairsumRows(0),
  ...pairsumRows(1),
  // The official code's team: 2 agents x 3 turns (its GSM8K configs), on the control's first base.
  ...(['none', {}] as const).map((train): Row => ({
    id: `pairsum-2x3-${train === 'none' ? 'off-the-shelf' : 'maporl'}`,
    title: `control, 2 agents x 3 turns (the official code's team): ${train === 'none' ? 'no RL' : 'MAPoRL co-training'}`,
    train,
    agents: 2,
    base: 'pairsum',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  })),
  // The control on base agents whose SFT showed the agents' own kinds of wrong answer.
  ...(['none', {}] as const).map((train): Row => ({
    id: `pairsum-nearmiss-${train === 'none' ? 'off-the-shelf' : 'maporl'}`,
    title: `control on near-miss SFT'd agents: ${train === 'none' ? 'no RL' : 'MAPoRL co-training'}`,
    train,
    base: 'pairsum-nearmiss',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  })),
  // The control on base agents that a long later-turn SFT taught to check better (PAIRSUM_CHECKING_STAGE).
  ...(['off-the-shelf', 'maporl', 'single-agent'] as const).map((kind): Row => ({
    id: `pairsum-checking-${kind}`,
    title: `control on agents SFT'd to check shown pairs: ${{ 'off-the-shelf': 'no RL', maporl: 'MAPoRL co-training', 'single-agent': 'each agent trained alone on turn-1 answers' }[kind]}`,
    train: kind === 'off-the-shelf' ? 'none' : kind === 'maporl' ? {} : SINGLE_AGENT,
    base: 'pairsum-checking',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  })),
  // Diagnosis of the co-trained checking agents' loss: one policy per turn, so that the later turns'
  // rollouts do not train the weights that answer first (agents.policySharing "per-turn").
  {
    id: 'pairsum-checking-maporl-per-turn',
    title: "control on agents SFT'd to check shown pairs: MAPoRL co-training, one policy per turn",
    train: { 'agents.policySharing': 'per-turn' },
    base: 'pairsum-checking',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  },
  // The same with three times the co-training (180 iterations): does more reward signal add checking?
  {
    id: 'pairsum-checking-maporl-per-turn-180',
    title: "control on agents SFT'd to check shown pairs: MAPoRL co-training, one policy per turn, 180 iterations",
    train: { 'agents.policySharing': 'per-turn', 'training.iterations': 180 },
    base: 'pairsum-checking',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  },
  // The official 3-turn configs' reward feedback: after each response the next prompt shows its
  // score by the run's learned verifier (trained on the base agents' answers as the control measured
  // it), and the peers'. The reward comes from that verifier too, as in the official code. The cell
  // also evaluates the base agents with the same scores shown, and reranking by the verifier.
  {
    id: 'pairsum-maporl-feedback',
    title: "control F2: MAPoRL with the learned verifier's scores shown in the prompts (and as the reward)",
    train: { verifier: 'learned', 'discussion.feedVerifierScores': true },
    base: 'pairsum-scored',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  },
  // The same with a verifier that checks: trained also on labelled proposals (verifier.taskProposals),
  // so the scores shown and the reward say whether a pair checks out (cell.ts CHECKER_VERIFIER).
  {
    id: 'pairsum-maporl-checker',
    title: "control F2: MAPoRL with a checking verifier's scores shown in the prompts (and as the reward)",
    train: { verifier: 'checker', 'discussion.feedVerifierScores': true },
    base: 'pairsum-scored',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  },
  // The same scores shown, but the reward is the ground truth (reward.source): co-training cannot
  // game the verifier and is paid only for right answers — does it then learn to read the scores?
  {
    id: 'pairsum-maporl-checker-truth',
    title: "control F2: MAPoRL with a checking verifier's scores shown in the prompts, ground-truth reward",
    train: { verifier: 'checker', 'discussion.feedVerifierScores': true, 'reward.source': 'ground-truth' },
    base: 'pairsum-scored',
    trainTask: 'pairsum',
    evalTask: 'pairsum',
  },
  { id: 'off-the-shelf', title: "F1: SFT'd base agents, no RL", train: 'none' },
  { id: 'maporl', title: 'F2: MAPoRL co-training (ground-truth reward)', train: {} },
  {
    id: 'single-agent',
    title: 'F2: each agent trained alone on turn-1 answers (same responses per iteration as MAPoRL)',
    train: SINGLE_AGENT,
  },
  ...ALPHA_NAMES.map((name, k) => ({
    id: `alpha-${name}`,
    title: `incentives: alpha[${k}] (${name}) = ${ALPHA_ON}, the others 0`,
    train: { 'reward.alpha': alphaWith(k) },
  })),
  // Transfer (the paper: trained on ANLI, tested on GSM8K): base agents fine-tuned on both tasks, so
  // that they can answer the task they are not co-trained on; against the same agents untrained.
  ...(['arith', 'nli'] as const).flatMap((evalTask): Row[] => {
    const trainTask = evalTask === 'arith' ? 'nli' : 'arith';
    return [
      {
        id: `mixed-off-the-shelf-${evalTask}`,
        title: `transfer baseline: agents SFT'd on both tasks, no RL, tested on ${evalTask}`,
        train: 'none',
        base: 'mixed',
        evalTask,
      },
      {
        id: `transfer-${trainTask}-to-${evalTask}`,
        title: `transfer: co-trained on ${trainTask}, tested on ${evalTask}`,
        train: {},
        base: 'mixed',
        trainTask,
        evalTask,
      },
    ];
  }),
  // The same with LoRA adapters, as the paper trains (rank 8 on every linear layer; lr 1e-3, ten times
  // the full fine-tuning rate, the usual ratio, chosen before any cell ran), and the in-task effect on
  // nli with and without adapters: does training on one task's reward overwrite the other?
  {
    id: 'transfer-nli-to-arith-lora',
    title: 'transfer: co-trained on nli with LoRA adapters, tested on arith',
    train: LORA,
    base: 'mixed',
    trainTask: 'nli',
    evalTask: 'arith',
  },
  {
    id: 'nli-maporl',
    title: 'in task: co-trained on nli, tested on nli',
    train: {},
    base: 'mixed',
    trainTask: 'nli',
    evalTask: 'nli',
  },
  {
    id: 'nli-maporl-lora',
    title: 'in task: co-trained on nli with LoRA adapters, tested on nli',
    train: LORA,
    base: 'mixed',
    trainTask: 'nli',
    evalTask: 'nli',
  },
  // The same two LoRA cells at the full fine-tuning rate (added after the 1e-3 cells forgot arithmetic).
  {
    id: 'transfer-nli-to-arith-lora-1e-4',
    title: 'transfer: co-trained on nli with LoRA adapters at lr 1e-4, tested on arith',
    train: { ...LORA, 'training.ppo.lr': 1e-4 },
    base: 'mixed',
    trainTask: 'nli',
    evalTask: 'arith',
  },
  {
    id: 'nli-maporl-lora-1e-4',
    title: 'in task: co-trained on nli with LoRA adapters at lr 1e-4, tested on nli',
    train: { ...LORA, 'training.ppo.lr': 1e-4 },
    base: 'mixed',
    trainTask: 'nli',
    evalTask: 'nli',
  },
  // Heterogeneous team (the paper co-trains teams of different LLMs): two presets, one policy per agent.
  {
    id: 'hetero-off-the-shelf',
    title: "heterogeneous team (tiny, small, tiny SFT'd agents), no RL",
    train: 'none',
    base: 'hetero',
  },
  {
    id: 'hetero-maporl',
    title: 'heterogeneous team (tiny, small, tiny), MAPoRL co-training, one policy per agent',
    train: {},
    base: 'hetero',
  },
  // Full responses in the later prompts, as the paper shows them (the other rows show final answers only).
  { id: 'text-off-the-shelf', title: "full-text discussion: SFT'd base agents, no RL", train: 'none', base: 'text' },
  {
    id: 'text-maporl',
    title: 'full-text discussion: MAPoRL co-training, 160 iterations on fresh questions',
    train: {},
    long: true,
    base: 'text',
  },
  // DAPO's dynamic sampling: a group of four samples graded alike has no group advantage; here only
  // groups that differ are trained on, from up to 3 rounds of questions.
  {
    id: 'text-maporl-dynamic',
    title: 'full-text discussion: MAPoRL co-training with dynamic sampling (up to 3 rounds of questions)',
    train: { 'training.dynamicSampling': { maxRounds: 3 } },
    long: true,
    base: 'text',
  },
  // The control for the row above: each agent trained alone on turn-1 answers, with the same dynamic
  // sampling and responses per round (96 questions x 4 samples x 3 agents = 32 x 4 discussions x 9).
  {
    id: 'text-single-agent-dynamic',
    title: 'full-text discussion: each agent trained alone on turn-1 answers, with dynamic sampling (control)',
    train: {
      'training.mode': 'single-agent',
      'training.questionsPerIteration': 96,
      'training.dynamicSampling': { maxRounds: 3 },
    },
    long: true,
    base: 'text',
  },
  {
    id: 'verifier-learned',
    title: "verifier: MAPoRL on a learned verifier's scores instead of the ground truth",
    train: { verifier: 'learned' },
  },
];

/** Rows the report compares, as [row, baseline row, what the difference means]. */
export const COMPARISONS: [string, string, string][] = [
  ['maporl', 'off-the-shelf', 'F2: co-trained team vs off-the-shelf team'],
  ['maporl', 'single-agent', 'F2: co-trained team vs team trained alone'],
  ...ALPHA_NAMES.map((name): [string, string, string] => [`alpha-${name}`, 'maporl', `incentive ${name} on vs off`]),
  ['verifier-learned', 'maporl', 'learned verifier vs ground-truth reward'],
  ['text-maporl-dynamic', 'text-maporl', 'full text: dynamic sampling vs all groups'],
  ['hetero-maporl', 'hetero-off-the-shelf', 'heterogeneous team: co-trained vs off-the-shelf'],
  ['transfer-nli-to-arith', 'mixed-off-the-shelf-arith', 'transfer: co-trained on nli vs untrained, tested on arith'],
  ['transfer-arith-to-nli', 'mixed-off-the-shelf-nli', 'transfer: co-trained on arith vs untrained, tested on nli'],
  ['transfer-nli-to-arith-lora', 'mixed-off-the-shelf-arith', 'transfer, LoRA: co-trained on nli vs untrained, tested on arith'],
  ['nli-maporl', 'mixed-off-the-shelf-nli', 'in task: co-trained on nli vs untrained, tested on nli'],
  ['nli-maporl-lora', 'mixed-off-the-shelf-nli', 'in task, LoRA: co-trained on nli vs untrained, tested on nli'],
  [
    'transfer-nli-to-arith-lora-1e-4',
    'mixed-off-the-shelf-arith',
    'transfer, LoRA at lr 1e-4: co-trained on nli vs untrained, tested on arith',
  ],
  ['nli-maporl-lora-1e-4', 'mixed-off-the-shelf-nli', 'in task, LoRA at lr 1e-4: co-trained on nli vs untrained, tested on nli'],
];

export function rowById(id: string): Row {
  const row = ROWS.find((r) => r.id === id);
  if (!row) throw new Error(`unknown row "${id}" (rows: ${ROWS.map((r) => r.id).join(', ')})`);
  return row;
}
