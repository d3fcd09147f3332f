// What the comparison panel shows before any job: the sides' config differences, the training curves
// of the runs they come from, the question sources and the form's defaults, and the comparisons of
// these sides saved earlier. Read from the runs folders only. Node fs only, no vscode.
import { join } from 'node:path';
import type { CompareInitMessage, CompareSideView, RunCurve } from '../../protocol/compareView';
import { RUN_FILES } from '../runData/runDirectory';
import { configDiff } from './configDiff';
import { questionSources, type SourceChoice } from './compareJob';
import { curvesFromEvents } from './curves';
import { readGuarded, readRunConfigGuarded } from './sides';
import { savedResults, summaryOf, type SavedResult } from './savedComparisons';

export type PanelData = Omit<CompareInitMessage, 'type' | 'job' | 'canRun' | 'result'> & {
  choices: SourceChoice[];
  savedDirs: SavedResult[];
};

const DEFAULT_QUESTIONS = 100;

export function loadPanelData(sides: readonly CompareSideView[], runsFolders: readonly string[]): PanelData {
  const problems: string[] = [];
  const runDirs = [...new Set(sides.map((s) => s.runDir))];
  const configs = new Map(runDirs.map((dir) => [dir, readRunConfigGuarded(dir, runsFolders)]));
  for (const [dir, c] of configs) if (!c) problems.push(`${join(dir, RUN_FILES.config)}: missing or not a JSON object`);

  const curves: RunCurve[] = runDirs.map((dir) => {
    const text = readGuarded(join(dir, RUN_FILES.events), runsFolders) ?? '';
    const c = curvesFromEvents(text);
    if (c.badLines.length)
      problems.push(
        `${join(dir, RUN_FILES.events)}: ${c.badLines.length} lines are not JSON or not a valid event (first: line ${c.badLines[0]}); skipped`,
      );
    const run = sides.find((s) => s.runDir === dir)!.run;
    return {
      runDir: dir,
      run,
      train: c.train,
      eval: c.eval,
      sideSteps: sides.filter((s) => s.runDir === dir).map((s) => s.step),
    };
  });

  const choices = questionSources(
    runDirs.map((dir) => ({ run: sides.find((s) => s.runDir === dir)!.run, config: configs.get(dir) ?? null })),
  );
  const first = configs.get(sides[0].runDir) as { eval?: { questions?: unknown } } | null;
  const questions = typeof first?.eval?.questions === 'number' ? first.eval.questions : DEFAULT_QUESTIONS;
  const savedDirs = savedResults(sides, runsFolders);
  // The form starts from the comparison shown (the newest saved), else from the first run's evaluation.
  const shown = savedDirs[0]?.result;
  const shownSource =
    shown && choices.find((c) => (shown.data ? c.args.includes(shown.data) : c.args.join(' ') === `--task ${shown.task}`));
  const defaults = shown
    ? { source: shownSource?.id ?? choices[0].id, questions: shown.questions, seed: shown.seed }
    : { source: choices[0].id, questions, seed: 0 };
  return {
    sides: [...sides],
    configDiff: configDiff(sides.map((s) => configs.get(s.runDir) ?? null)),
    curves,
    sources: choices.map(({ id, label }) => ({ id, label })),
    choices,
    defaults,
    saved: savedDirs.map((s) => summaryOf(s.result)),
    savedDirs,
    problems,
  };
}
