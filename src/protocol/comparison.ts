// A checkpoint comparison (`maporl compare`), written to comparisons/<key>/result.json and read by
// the extension: every side evaluated on the same questions with the same sampling seeds, per-turn
// metrics of each side, and each side against the first (the baseline) question by question.
// Turns are 0-based (turn 0 = the independent first answers), as in runRecords.ts.

import { POLICY_SHARINGS, TASK_TYPES, type PolicySharing, type TaskType } from './choices';
import { all, arrayOf, bool, int, nullable, num, object, oneOf, optional, range, str, where } from './check';
import { checkEvalTable, checkRuntimeInfo, type EvalTable, type RuntimeInfo } from './runRecords';

export const COMPARISON_VERSION = 1;

/** The result's file name in comparisons/<key>/ (the engine writes it, the extension reads it). */
export const RESULT_FILE = 'result.json';

/** What one side is: a checkpoint (given directly or as its run's latest) or base models. */
export interface ComparisonSideSpec {
  /** The argument as given on the command line. */
  given: string;
  kind: 'checkpoint' | 'model';
  /** Absolute path of the checkpoint or model directory; the name of a preset model. */
  path: string;
  /** Absolute path of the run directory a checkpoint belongs to; null otherwise. */
  run: string | null;
  /** The checkpoint's iteration; null for base models. */
  step: number | null;
  /** Short name for tables: `RUN/step-000010`, a model directory's name, `preset tiny`. */
  label: string;
  agents: number;
  turns: number;
  sharing: PolicySharing;
  /** The sampling the side was evaluated with (its run's evaluation settings, or the config defaults). */
  generation: { maxNewTokens: number; temperature: number; topP: number; topK: number };
  verifier: 'learned' | 'ground-truth';
}

export interface ComparisonSide extends ComparisonSideSpec {
  /** File name next to result.json: one transcripts.jsonl record per question, in question order. */
  transcripts: string;
  /** Per-turn majority accuracy, mean agent accuracy and per-agent wrong→right / right→wrong moves. */
  table: EvalTable;
  /** What the side's sessions ran on (a fallback, where one happened); absent in results written before it was recorded. */
  runtime?: RuntimeInfo;
}

/** One turn of a side against the baseline, paired by question. */
export interface PairedTurn {
  turn: number;
  /** Side minus baseline majority accuracy (tie-split credit, as in the tables). */
  difference: number;
  /** Paired-bootstrap percentile interval of `difference` (questions resampled). */
  ci: [number, number];
  /**
   * McNemar's discordant pairs: questions whose recorded majority answer (transcripts'
   * `majorityCorrect`) is right for the baseline only, and for the side only.
   */
  baselineOnly: number;
  sideOnly: number;
  /** McNemar's exact two-sided p-value: a binomial(baselineOnly + sideOnly, 1/2) test; 1 without discordant pairs. */
  pValue: number;
}

export interface VersusBaseline {
  /** Index into `sides` (never 0). */
  side: number;
  /** Turns both sides have, from turn 0. */
  turns: PairedTurn[];
}

/** A question whose final-turn majority answer is not the same on every side. */
export interface DifferingQuestion {
  id: string;
  question: string;
  /** Normalised gold answer. */
  answer: string;
  /** 1-based line of this question's discussion in every side's transcripts file. */
  line: number;
  /** Per side (same order as `sides`): its last turn's majority answer and whether it is correct. */
  sides: { majority: string | null; correct: boolean }[];
}

export interface ComparisonResult {
  version: typeof COMPARISON_VERSION;
  /** The comparison's directory name: a hash of the sides, questions, seed and sampling. */
  key: string;
  createdAt: string;
  task: TaskType;
  /** Absolute path of the data file; null for generated questions. */
  data: string | null;
  questions: number;
  /** Seed of the questions (generated tasks) and of every side's sampling. */
  seed: number;
  bootstrap: { resamples: number; confidence: number; seed: number };
  sides: ComparisonSide[];
  versusBaseline: VersusBaseline[];
  differing: DifferingQuestion[];
}

const fraction = range(0, 1);
const difference = range(-1, 1);
const checkSide = object({
  given: str,
  kind: oneOf(['checkpoint', 'model']),
  path: str,
  run: nullable(str),
  step: nullable(int(0)),
  label: str,
  agents: int(1),
  turns: int(1),
  sharing: oneOf(POLICY_SHARINGS),
  generation: object({ maxNewTokens: int(1), temperature: num, topP: num, topK: int(0) }),
  verifier: oneOf(['learned', 'ground-truth']),
  transcripts: str,
  table: checkEvalTable,
  runtime: optional(checkRuntimeInfo),
});
const checkPairedTurn = object({
  turn: int(0),
  difference,
  ci: all(
    arrayOf(difference),
    where((v) => (v as number[]).length === 2, 'expected [low, high]'),
  ),
  baselineOnly: int(0),
  sideOnly: int(0),
  pValue: fraction,
});
const checkResult = object({
  version: where((v) => v === COMPARISON_VERSION, `expected version ${COMPARISON_VERSION}`),
  key: str,
  createdAt: str,
  task: oneOf(TASK_TYPES),
  data: nullable(str),
  questions: int(1),
  seed: int(0),
  bootstrap: object({ resamples: int(1), confidence: fraction, seed: int(0) }),
  sides: all(
    arrayOf(checkSide),
    where((v) => (v as unknown[]).length >= 2, 'expected at least two sides'),
  ),
  versusBaseline: arrayOf(object({ side: int(1), turns: arrayOf(checkPairedTurn) })),
  differing: arrayOf(
    object({
      id: str,
      question: str,
      answer: str,
      line: int(1),
      sides: arrayOf(object({ majority: nullable(str), correct: bool })),
    }),
  ),
});

/** Null when `x` is a ComparisonResult; else the JSON path of the first problem. */
export const validateComparisonResult = (x: unknown): string | null => checkResult(x, '');
export const isComparisonResult = (x: unknown): x is ComparisonResult => validateComparisonResult(x) === null;
