// JSONL dataset loaders: GSM8K, ANLI-style NLI and generic question/answer files.
//
// Every record keeps its file and 1-based line. A bad line is a DataError `<file>:<line>: <problem>`;
// with `skipInvalid` it is counted in the result's `skipped` report and left out instead.

import { basename } from 'node:path';
import { NLI_LABELS, type NliLabel, normalizeAnswer, normalizeNumber } from './answers';
import { DataError, emptySkipReport, noteSkipped, parseJsonl, readText, type SkipReport } from './jsonl';
import type { FileTask } from '../../protocol/choices';
import type { TaskRecord } from './types';

export interface LoadOptions {
  /** Count and leave out bad lines instead of failing on the first one. */
  skipInvalid?: boolean;
  /** Keep only the first `limit` valid records. */
  limit?: number;
}

export interface LoadResult {
  records: TaskRecord[];
  skipped: SkipReport;
}

/** The question text of an NLI pair, shared by the JSONL loader and the built-in task. */
export function nliQuestion(premise: string, hypothesis: string): string {
  return `Premise: ${premise}\nHypothesis: ${hypothesis}`;
}

/** Turns one parsed line into a record, or returns the problem (one line, no file/line prefix). */
type RecordParser = (obj: Record<string, unknown>, file: string, line: number) => Omit<TaskRecord, 'id' | 'source'> | string;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string'
    ? `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`
    : typeof v === 'object'
      ? 'an object'
      : `${typeof v} ${String(v)}`;
}

/** A required non-empty string field, or the problem. */
function stringField(obj: Record<string, unknown>, name: string): string | { problem: string } {
  if (!(name in obj)) return { problem: `missing field "${name}"` };
  const v = obj[name];
  if (typeof v !== 'string') return { problem: `field "${name}" must be a string, got ${describe(v)}` };
  if (v.trim() === '') return { problem: `field "${name}" is empty` };
  return v;
}

/**
 * GSM8K: `{"question", "answer"}`, the answer a worked solution ending in `#### <number>`.
 * The solution keeps its reasoning with the `<<…>>` calculator notes removed and ends in `Answer: N`.
 */
const parseGsm8k: RecordParser = (obj) => {
  const question = stringField(obj, 'question');
  if (typeof question !== 'string') return question.problem;
  const answer = stringField(obj, 'answer');
  if (typeof answer !== 'string') return answer.problem;
  const cut = answer.lastIndexOf('####');
  if (cut < 0) return 'field "answer" has no "#### <number>" final answer';
  const gold = normalizeNumber(answer.slice(cut + 4).trim());
  if (gold === null) return `final answer after "####" is not a number: ${describe(answer.slice(cut + 4).trim())}`;
  const reasoning = answer
    .slice(0, cut)
    .replace(/<<[^>]*>>/g, '')
    .trim();
  return { question: question.trim(), answer: gold, solution: `${reasoning}\nAnswer: ${gold}`.trim() };
};

/** NLI label as 0/1/2 (entailment/neutral/contradiction, the MNLI/ANLI order), a word, or e/n/c. */
export function parseNliLabel(v: unknown): NliLabel | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 2 ? NLI_LABELS[v] : null;
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  if (/^[012]$/.test(s)) return NLI_LABELS[Number(s)];
  const short: Record<string, NliLabel> = { e: 'entailment', n: 'neutral', c: 'contradiction' };
  if (s in short) return short[s];
  return (NLI_LABELS as readonly string[]).includes(s) ? (s as NliLabel) : null;
}

/** ANLI-style NLI: `premise` (or ANLI's raw `context`), `hypothesis`, `label`. */
const parseNli: RecordParser = (obj) => {
  const premise = stringField(obj, 'premise' in obj || !('context' in obj) ? 'premise' : 'context');
  if (typeof premise !== 'string') return premise.problem;
  const hypothesis = stringField(obj, 'hypothesis');
  if (typeof hypothesis !== 'string') return hypothesis.problem;
  if (!('label' in obj)) return 'missing field "label"';
  const label = parseNliLabel(obj.label);
  if (label === null) return `field "label" must be 0, 1, 2 or entailment/neutral/contradiction, got ${describe(obj.label)}`;
  return { question: nliQuestion(premise.trim(), hypothesis.trim()), answer: label };
};

/** Generic `{"question", "answer"}` with a short final answer (a string or a number). */
const parseGeneric: RecordParser = (obj) => {
  const question = stringField(obj, 'question');
  if (typeof question !== 'string') return question.problem;
  if (!('answer' in obj)) return 'missing field "answer"';
  const raw = obj.answer;
  if (typeof raw !== 'string' && typeof raw !== 'number')
    return `field "answer" must be a string or a number, got ${describe(raw)}`;
  const gold = normalizeAnswer('text', String(raw));
  if (gold === null) return 'field "answer" is empty';
  return { question: question.trim(), answer: gold };
};

const PARSERS: Record<FileTask, RecordParser> = {
  gsm8k: parseGsm8k,
  'nli-jsonl': parseNli,
  generic: parseGeneric,
};

/** Load a JSONL dataset of a file-based task type. */
export function loadJsonlTask(type: keyof typeof PARSERS, file: string, opts: LoadOptions = {}): LoadResult {
  const skipped = emptySkipReport();
  const skip = opts.skipInvalid ? skipped : undefined;
  const lines = parseJsonl(file, readText(file), skip);
  const parse = PARSERS[type];
  const records: TaskRecord[] = [];
  const base = basename(file);
  for (const { line, value } of lines) {
    if (opts.limit !== undefined && records.length >= opts.limit) break;
    const parsed =
      value === null || typeof value !== 'object' || Array.isArray(value)
        ? `expected a JSON object, got ${describe(value)}`
        : parse(value as Record<string, unknown>, file, line);
    if (typeof parsed === 'string') {
      const err = new DataError(file, line, parsed);
      if (!skip) throw err;
      noteSkipped(skip, err);
      continue;
    }
    records.push({ id: `${base}:${line}`, ...parsed, source: { file, line } });
  }
  if (records.length === 0)
    throw new DataError(file, null, skipped.count ? `no valid records (${skipped.count} invalid lines skipped)` : 'no records');
  return { records, skipped };
}

export const loadGsm8k = (file: string, opts?: LoadOptions) => loadJsonlTask('gsm8k', file, opts);
export const loadNliJsonl = (file: string, opts?: LoadOptions) => loadJsonlTask('nli-jsonl', file, opts);
export const loadGeneric = (file: string, opts?: LoadOptions) => loadJsonlTask('generic', file, opts);
