// Checkpoint comparison: every side discusses the same questions with the same sampling seeds,
// through the evaluation that `maporl eval` runs (../evaluate.ts), one side in memory at a time;
// then each side is set against the first (the baseline), question by question (pairedStats.ts).
import {
  COMPARISON_VERSION,
  type ComparisonResult,
  type ComparisonSideSpec,
  type DifferingQuestion,
  type PairedTurn,
} from '../../protocol/comparison';
import type { EvalTable, RuntimeInfo, TranscriptRecord } from '../../protocol/runRecords';
import type { GenerateOptions } from '../generate/runtime';
import type { RuntimeOptions } from '../runtime/session';
import { answerKindOf, type TaskRecord, type TaskType } from '../tasks/types';
import { mean, toTranscript, type PromptOptions } from '../maporl/discussion';
import { evaluateTeam, type LoadedTeam, type TeamShape } from '../maporl/run';
import { mcnemarExact, pairedBootstrapCI, type BootstrapOptions } from './pairedStats';
import type { SideLocation } from './sides';
import { transcriptsFile } from './store';

export interface CompareSide {
  location: SideLocation;
  shape: TeamShape;
  agents: number;
  turns: number;
  generation: Omit<GenerateOptions, 'seed'> & ComparisonSideSpec['generation'];
  prompt: PromptOptions;
  /** The side's sessions: provider, threads, frozen weights (runtime/resolve.ts). */
  runtime: RuntimeOptions;
  /** What its sessions ran on, once they have run (the `runtime` of its result). */
  ranOn?: () => RuntimeInfo | undefined;
  /** The team's weights, loaded when its turn comes. */
  load: () => Promise<LoadedTeam>;
}

export interface CompareOptions {
  key: string;
  task: TaskType;
  /** Absolute path of the data file; null for generated questions. */
  data: string | null;
  /** Seed of every side's sampling (and of the generated questions). */
  seed: number;
  bootstrap: BootstrapOptions;
  /** Called before a side is evaluated, for progress lines. */
  onSide?: (index: number, side: CompareSide) => void;
  /** Questions discussed so far by the side being evaluated (evaluate.ts reports after each chunk). */
  onProgress?: (questionsDone: number, questions: number) => void;
}

export interface ComparisonRun {
  result: ComparisonResult;
  /** [side][question] discussions as transcripts.jsonl records. */
  transcripts: TranscriptRecord[][];
}

export async function runComparison(
  records: readonly TaskRecord[],
  sides: readonly CompareSide[],
  o: CompareOptions,
): Promise<ComparisonRun> {
  const tables: EvalTable[] = [];
  const transcripts: TranscriptRecord[][] = [];
  for (const [i, side] of sides.entries()) {
    o.onSide?.(i, side);
    const { table, discussions } = await evaluateSide(records, side, o);
    tables.push(table);
    transcripts.push(discussions.map((d) => toTranscript(d, side.location.step ?? 0, 'eval')));
  }
  const result: ComparisonResult = {
    version: COMPARISON_VERSION,
    key: o.key,
    createdAt: new Date().toISOString(),
    task: o.task,
    data: o.data,
    questions: records.length,
    seed: o.seed,
    bootstrap: { resamples: o.bootstrap.resamples, confidence: o.bootstrap.confidence, seed: o.bootstrap.seed },
    sides: sides.map((s, i) => {
      const runtime = s.ranOn?.();
      return { ...sideSpec(s), transcripts: transcriptsFile(i), table: tables[i], ...(runtime ? { runtime } : {}) };
    }),
    versusBaseline: transcripts.slice(1).map((t, i) => ({ side: i + 1, turns: pairedTurns(transcripts[0], t, o.bootstrap) })),
    differing: differingQuestions(transcripts),
  };
  return { result, transcripts };
}

async function evaluateSide(records: readonly TaskRecord[], side: CompareSide, o: CompareOptions) {
  const team = await side.load();
  return evaluateTeam(
    records,
    team,
    { ...side, sharing: side.shape.sharing },
    { step: side.location.step ?? 0, seed: o.seed, kind: answerKindOf(o.task), onProgress: o.onProgress },
  );
}

function sideSpec(s: CompareSide): ComparisonSideSpec {
  const { maxNewTokens, temperature, topP, topK } = s.generation;
  return {
    ...s.location,
    agents: s.agents,
    turns: s.turns,
    sharing: s.shape.sharing,
    generation: { maxNewTokens, temperature, topP, topK },
    verifier: s.shape.verifier,
  };
}

/**
 * Side against baseline at each turn both have: the difference of majority accuracy (tie-split
 * credit) with its bootstrap interval, and McNemar on whether each recorded majority is right.
 */
export function pairedTurns(
  base: readonly TranscriptRecord[],
  side: readonly TranscriptRecord[],
  bootstrap: BootstrapOptions,
): PairedTurn[] {
  if (base.length !== side.length || base.some((r, q) => r.id !== side[q].id))
    throw new Error('pairedTurns: the sides did not answer the same questions in the same order');
  const turns = Math.min(base[0]?.turns.length ?? 0, side[0]?.turns.length ?? 0);
  return Array.from({ length: turns }, (_, t) => {
    const credit = (r: TranscriptRecord) => r.majorityCredit?.[t] ?? (r.majorityCorrect[t] ? 1 : 0);
    const diffs = base.map((b, q) => credit(side[q]) - credit(b));
    const baselineOnly = base.filter((b, q) => b.majorityCorrect[t] && !side[q].majorityCorrect[t]).length;
    const sideOnly = base.filter((b, q) => !b.majorityCorrect[t] && side[q].majorityCorrect[t]).length;
    return {
      turn: t,
      difference: mean(diffs),
      ci: pairedBootstrapCI(diffs, bootstrap),
      baselineOnly,
      sideOnly,
      pValue: mcnemarExact(baselineOnly, sideOnly),
    };
  });
}

/** Questions whose last-turn majority answer is not the same on every side. */
export function differingQuestions(transcripts: readonly TranscriptRecord[][]): DifferingQuestion[] {
  const out: DifferingQuestion[] = [];
  transcripts[0].forEach((first, q) => {
    const finals = transcripts.map((side) => {
      const r = side[q];
      const last = r.majority.length - 1;
      return { majority: r.majority[last], correct: r.majorityCorrect[last] };
    });
    if (finals.every((f) => f.majority === finals[0].majority)) return;
    out.push({ id: first.id, question: first.question, answer: first.answer, line: q + 1, sides: finals });
  });
  return out;
}
