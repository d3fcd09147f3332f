// Labelled responses as verifier training examples (config `verifier.humanLabels`, docs/reward.md).
// A response someone labelled `hallucinated` is wrong (target 0). One labelled `verifier-wrong`
// gets the opposite of the decision its run's verifier made (score >= 0.5 means "correct"): the
// annotator says that call was wrong. Hallucinated wins where both apply; other labels add nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../tasks/jsonl';
import { labelledResponses } from './join';
import { ANNOTATIONS_FILE, readAnnotatedRun, type TranscriptProblem } from './store';
import { VERIFIER_WRONG } from './verifierReport';

export const HALLUCINATED = 'hallucinated';

/** A labelled response as the verifier's training set takes it (maporl/verifier/verifier.ts LabelledExample). */
export interface HumanLabelledExample {
  question: string;
  response: string;
  correct: boolean;
  weight: number;
}

export interface HumanLabelExamples {
  examples: HumanLabelledExample[];
  /** Labelled responses (with a label that sets a target) whose transcript, turn or agent was not found. */
  missing: number;
  /** Broken lines, per run directory: annotations.jsonl lines and transcripts.jsonl lines. */
  problems: { run: string; brokenAnnotations: number; transcripts: TranscriptProblem[] }[];
}

/** The examples of every run in `runs`, each weighing `weight` in the loss. A run without annotations.jsonl is an error. */
export async function humanLabelExamples(runs: string[], weight: number): Promise<HumanLabelExamples> {
  const out: HumanLabelExamples = { examples: [], missing: 0, problems: [] };
  for (const run of runs) {
    if (!fs.existsSync(path.join(run, ANNOTATIONS_FILE)))
      throw new DataError(path.join(run, ANNOTATIONS_FILE), null, 'file not found (verifier.humanLabels.runs)');
    const r = await readAnnotatedRun(run);
    if (r.broken.length || r.transcriptProblems.length)
      out.problems.push({ run, brokenAnnotations: r.broken.length, transcripts: r.transcriptProblems });
    for (const l of labelledResponses(r.annotations, r.transcripts)) {
      const hallucinated = l.labels.has(HALLUCINATED);
      if (!hallucinated && !l.labels.has(VERIFIER_WRONG)) continue;
      if (!l.response || !l.record) {
        out.missing++;
        continue;
      }
      const correct = hallucinated ? false : l.response.verifier < 0.5;
      out.examples.push({ question: l.record.question, response: l.response.text, correct, weight });
    }
  }
  return out;
}
