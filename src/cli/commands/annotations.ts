// `maporl annotations export|stats|verifier-report RUN`: what the transcript editor's labels
// (RUN/annotations.jsonl) say, joined with the run's transcripts. Reads only; never a model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { annotatedDiscussion, type Annotation } from '../../protocol/annotations';
import type { TranscriptRecord } from '../../protocol/runRecords';
import { outputFile, writeOutputFile } from '../../engine/io/outputs';
import { toCsv, toJsonl } from '../../engine/annotations/exportFormats';
import { exportRow } from '../../engine/annotations/join';
import { annotationStats, formatAnnotationStats } from '../../engine/annotations/stats';
import { ANNOTATIONS_FILE, readAnnotatedRun, TRANSCRIPTS_FILE, type AnnotatedRun } from '../../engine/annotations/store';
import { formatVerifierReport, verifierReport } from '../../engine/annotations/verifierReport';
import { UsageError } from '../errors';
import { type Command } from './command';
import { parse } from './options';

/** Where a subcommand writes (process.stdout/stderr; tests capture them). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const SUBCOMMANDS: Record<string, (args: string[], io: Output) => Promise<number>> = {
  export: exportAnnotations,
  stats,
  'verifier-report': report,
};

export const annotations: Command = {
  summary: "export, count and check the labels of a run's transcripts (annotations.jsonl)",
  usage:
    'export RUN --format csv|jsonl [--out FILE]\n' +
    '       maporl annotations stats RUN [--json]\n' +
    '       maporl annotations verifier-report RUN [--json]\n' +
    '       export: one row per annotation joined with its transcript (question, gold answer, the labelled response, final majority).\n' +
    "       stats: label counts per label and annotator, annotated discussions, Cohen's kappa per label (Light's with more than two annotators).\n" +
    "       verifier-report: AUC of the run's verifier scores against the annotators' judgement (its decision flipped where labelled verifier-wrong).",
  run: (args) => runAnnotations(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }),
};

export function runAnnotations(args: string[], io: Output): Promise<number> {
  const [name, ...rest] = args;
  const sub = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!sub) throw new UsageError(`give a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`);
  return sub(rest, io);
}

async function exportAnnotations(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, { format: { type: 'string' }, out: { type: 'string' } }, true);
  const run = runDirOf(positionals);
  const format = values.format;
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
  if (values.out) outputFile(values.out); // a directory or a socket named by --out is refused before any reading
  const r = await readRun(run, io);
  const rows = r.annotations.map((a) => exportRow(a, r.transcripts.get(annotatedDiscussion(a))));
  const unjoined = r.annotations.filter((a) => !r.transcripts.has(annotatedDiscussion(a))).length;
  if (unjoined)
    io.err(
      `warning: ${unjoined} annotation(s) on discussions not in ${TRANSCRIPTS_FILE}: exported with empty transcript fields\n`,
    );
  const text = format === 'csv' ? toCsv(rows) : toJsonl(rows);
  if (values.out) writeOutputFile(values.out, text);
  else io.out(text);
  return 0;
}

async function stats(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, true);
  const run = runDirOf(positionals);
  const file = await readRun(run, io); // joined with the transcripts, so that labels out of range are left out
  const s = annotationStats(file.annotations);
  io.out((values.json ? JSON.stringify(s) : formatAnnotationStats(s)) + '\n');
  return 0;
}

async function report(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, true);
  const run = runDirOf(positionals);
  const r = await readRun(run, io);
  const rep = verifierReport(r.annotations, r.transcripts);
  const type = verifierTypeOf(run);
  io.out((values.json ? JSON.stringify({ verifierType: type, ...rep }) : formatVerifierReport(rep, type)) + '\n');
  return 0;
}

function runDirOf(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('give one RUN directory');
  const run = positionals[0];
  if (!fs.existsSync(run) || !fs.statSync(run).isDirectory()) throw new UsageError(`${run}: not a directory`);
  for (const name of [ANNOTATIONS_FILE, TRANSCRIPTS_FILE]) {
    const st = fs.statSync(path.join(run, name), { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new UsageError(`${path.join(run, name)}: not a file`);
  }
  return run;
}

/** The run's annotations and annotated transcripts; what could not be read is reported on stderr. */
async function readRun(run: string, io: Output): Promise<AnnotatedRun> {
  const r = await readAnnotatedRun(run);
  warnBroken(r.broken.length, io);
  // A label on turn 99 or agent 99 of a discussion that has 2 of each is a mistake, not a data point.
  const astray = r.annotations.filter((a) => {
    const t = r.transcripts.get(annotatedDiscussion(a));
    return t !== undefined && outOfRange(a, t);
  });
  if (astray.length)
    io.err(
      `warning: ${astray.length} annotation(s) name a turn or agent their discussion does not have (first: ${astray[0].transcript}, turn ${astray[0].turn}, agent ${astray[0].agent}): left out\n`,
    );
  const shown = r.transcriptProblems.slice(0, 3).map((p) => `${path.join(run, TRANSCRIPTS_FILE)}:${p.line}: ${p.problem}`);
  for (const line of shown) io.err(`warning: skipped ${line}\n`);
  if (r.transcriptProblems.length > shown.length)
    io.err(`warning: … and ${r.transcriptProblems.length - shown.length} more broken transcript lines\n`);
  return { ...r, annotations: r.annotations.filter((a) => !astray.includes(a)) };
}

function outOfRange(a: Annotation, t: TranscriptRecord): boolean {
  if (a.turn === undefined) return false;
  if (!Number.isInteger(a.turn) || a.turn < 0 || a.turn >= t.turns.length) return true;
  const turn = t.turns[a.turn];
  return a.agent !== undefined && (!Number.isInteger(a.agent) || a.agent < 0 || a.agent >= turn.length);
}

function warnBroken(n: number, io: Output): void {
  if (n) io.err(`warning: ${n} broken line(s) in annotations.jsonl skipped\n`);
}

/** RUN/config.json's verifier.type, read leniently (an old or hand-made run may have no config). */
function verifierTypeOf(run: string): string | null {
  try {
    const type = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'))?.verifier?.type;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}
