// What a task is to the rest of the engine: questions with a normalised gold answer, each traceable
// to the file and line it came from (the transcripts and the editor link back to it).

import type { TaskType } from '../../protocol/choices';
import type { AnswerKind } from './answers';

export { isBuiltinTask, type TaskType } from '../../protocol/choices';
export type Split = 'train' | 'test';

export interface SourceRef {
  /** A path for JSONL data; `builtin:<task>/<split>` for generated questions. */
  file: string;
  /** 1-based line of the record in `file` (for generated data: its index + 1). */
  line: number;
}

export interface TaskRecord {
  /** Stable id: `<file base name>:<line>` or `<task>-<split>-<index>`. */
  id: string;
  /** The text an agent is asked (NLI: premise and hypothesis on two lines). */
  question: string;
  /** Normalised gold answer: a decimal string, an NLI label word, or normalised free text. */
  answer: string;
  /** A worked solution ending in `Answer: <gold>`, when the data has one (SFT targets). */
  solution?: string;
  source: SourceRef;
}

/** How answers of a task type are extracted and compared. */
export function answerKindOf(type: TaskType): AnswerKind {
  switch (type) {
    case 'arith':
    case 'gsm8k':
      return 'number';
    case 'nli':
    case 'nli-jsonl':
      return 'label';
    case 'generic':
      return 'text';
    case 'pairsum':
      return 'pair';
  }
}
