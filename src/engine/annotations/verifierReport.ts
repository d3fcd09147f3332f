// How the run's verifier fares against the annotators (`maporl annotations verifier-report`).
//
// Responses: those (turn and agent) that carry at least one label from any annotator and are found
// in transcripts.jsonl. Labelling a response is read as having checked the verifier's call on it:
//   decision    = verifier score >= 0.5 (the verifier calls the response correct)
//   flagged     = some annotator labelled it `verifier-wrong`
//   human judgement of correctness = decision flipped where flagged, kept elsewhere
// Reported: AUC of the score against the human judgement, agreement (share of responses where the
// human judgement equals the decision, i.e. not flagged), and on the same responses the AUC against
// the ground-truth grade (`correct`) and how often decision and human judgement match it.
import type { Annotation } from '../../protocol/annotations';
import type { TranscriptRecord } from '../../protocol/runRecords';
import { auc } from '../core/scoreMetrics';
import { labelledResponses } from './join';

export const VERIFIER_WRONG = 'verifier-wrong';

export interface VerifierReport {
  /** Labelled responses found in the transcripts (what everything below is computed on). */
  responses: number;
  /** Labelled responses whose transcript, turn or agent was not found (left out). */
  missing: number;
  flagged: number;
  /** Responses the human judges correct / wrong. */
  humanCorrect: number;
  humanWrong: number;
  /** Share of responses where the verifier's decision stands (1 − flagged / responses); null without responses. */
  agreement: number | null;
  /** AUC of the verifier score against the human judgement; null when one class is missing. */
  aucHuman: number | null;
  /** AUC of the verifier score against the ground-truth grade, same responses. */
  aucGroundTruth: number | null;
  /** Share where the verifier's decision equals the ground truth. */
  decisionAccuracy: number | null;
  /** Share where the human judgement equals the ground truth. */
  humanAccuracy: number | null;
}

export function verifierReport(annotations: Annotation[], transcripts: Map<string, TranscriptRecord>): VerifierReport {
  const all = labelledResponses(annotations, transcripts);
  const found = all.flatMap((l) => (l.response ? [{ ...l.response, flagged: l.labels.has(VERIFIER_WRONG) }] : []));
  const scores = found.map((r) => r.verifier);
  const decision = found.map((r) => r.verifier >= 0.5);
  const human = found.map((r, i) => decision[i] !== r.flagged);
  const truth = found.map((r) => r.correct);
  const share = (hits: boolean[]) => (hits.length ? hits.filter(Boolean).length / hits.length : null);
  const finite = (x: number) => (Number.isNaN(x) ? null : x);
  return {
    responses: found.length,
    missing: all.length - found.length,
    flagged: found.filter((r) => r.flagged).length,
    humanCorrect: human.filter(Boolean).length,
    humanWrong: human.filter((h) => !h).length,
    agreement: share(found.map((r) => !r.flagged)),
    aucHuman: finite(auc(scores, human)),
    aucGroundTruth: finite(auc(scores, truth)),
    decisionAccuracy: share(decision.map((d, i) => d === truth[i])),
    humanAccuracy: share(human.map((h, i) => h === truth[i])),
  };
}

export function formatVerifierReport(r: VerifierReport, verifierType: string | null): string {
  const f = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
  return [
    `${r.responses} labelled responses (${r.flagged} verifier-wrong), ${r.missing} not found in transcripts.jsonl`,
    ...(verifierType === 'ground-truth' ? ["note: this run's verifier is the ground truth (scores 1/0), not a learned one"] : []),
    `human judgement: ${r.humanCorrect} correct, ${r.humanWrong} wrong; agreement with the verifier ${pct(r.agreement)}`,
    `AUC of the verifier score vs human judgement ${f(r.aucHuman)}, vs ground truth ${f(r.aucGroundTruth)} (same responses)`,
    `accuracy vs ground truth: verifier decision ${pct(r.decisionAccuracy)}, human judgement ${pct(r.humanAccuracy)}`,
  ].join('\n');
}
