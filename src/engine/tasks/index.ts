// The task layer's entry point: the train and test questions of an experiment's `task` section.

import type { MaporlConfig } from '../../protocol/configSchema';
import { answerKindOf, isBuiltinTask, type TaskRecord } from './types';
import type { AnswerKind } from './answers';
import { emptySkipReport, type SkipReport } from './jsonl';
import { loadJsonlTask } from './loaders';
import { DEFAULT_PAIRSUM_SHAPE, generateSplit } from './synthetic';

export * from './answers';
export * from './types';
export { labelledProposals, proposalsUnsupported } from './proposals';
export type { SkipReport } from './jsonl';

export interface TaskData {
  kind: AnswerKind;
  /** Training questions ([] for a file task without trainFile). */
  train: TaskRecord[];
  test: TaskRecord[];
  /** Invalid lines skipped under `skipInvalid`, per split. */
  skipped: { train: SkipReport; test: SkipReport };
}

/**
 * Questions of a config's task: generated from `seed` for the built-in tasks, else read from the
 * JSONL files (the first nTrain / nTest valid records). Throws DataError on bad data.
 */
export function loadTaskData(task: MaporlConfig['task'], seed: number): TaskData {
  const kind = answerKindOf(task.type);
  if (isBuiltinTask(task.type)) {
    const shape = task.pairsum ?? DEFAULT_PAIRSUM_SHAPE;
    return {
      kind,
      train: generateSplit(task.type, 'train', task.nTrain, seed, shape),
      test: generateSplit(task.type, 'test', task.nTest, seed, shape),
      skipped: { train: emptySkipReport(), test: emptySkipReport() },
    };
  }
  if (!task.testFile) throw new Error(`task type "${task.type}" needs a testFile`);
  const type = task.type;
  const load = (file: string, limit: number) => loadJsonlTask(type, file, { skipInvalid: task.skipInvalid, limit });
  const test = load(task.testFile, task.nTest);
  const train = task.trainFile ? load(task.trainFile, task.nTrain) : { records: [], skipped: emptySkipReport() };
  return { kind, train: train.records, test: test.records, skipped: { train: train.skipped, test: test.skipped } };
}
