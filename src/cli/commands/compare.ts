// `maporl compare`: each side's evaluation settings are worked out as `maporl eval` would, before
// any weights load, so that a comparison asked before is found by its key without touching a model.
import * as path from 'node:path';
import {
  comparisonKey,
  fileSha256,
  locateSide,
  readSavedComparison,
  runComparison,
  saveComparison,
  type CompareSide,
  type SideLocation,
} from '../../engine/compare';
import { outputDir } from '../../engine/io/outputs';
import { reportEvent } from '../../engine/io/parentChannel';
import { newTokensIssue } from '../../engine/generate/context';
import { identicalAgentsWarning } from '../../engine/maporl/discussion';
import { checkpointShape, loadCheckpointTeam, loadModelTeam, modelShape, runConfigOf } from '../../engine/maporl/run';
import type { ComparisonResult } from '../../protocol/comparison';
import type { RuntimeInfo } from '../../protocol/runRecords';
import { UsageError } from '../errors';
import { evalProgress, type Progress } from '../progress';
import { type Command, commandRuntime, printRuntime, RUNTIME_FLAGS, RUNTIME_USAGE } from './command';
import { booleans, intOption, parse, strings } from './options';
import { EVAL_FLAGS, evalDefaults, evalRecords } from './evaluate';

const CONFIDENCE = 0.95;

export const compare: Command = {
  summary: 'evaluate checkpoints, runs or base models on the same questions; paired differences against the first',
  usage: `A B [C ...] (--task arith|nli|pairsum | --data FILE [--task gsm8k|nli-jsonl|generic]) [--questions N] [--seed S]
       [--turns T] [--agents N] [--temperature T] [--max-new-tokens N] [--resamples N] [--skip-invalid] [--out DIR] [--force] [--json]
       ${RUNTIME_USAGE}
       A side is a checkpoint (RUN/checkpoints/step-NNNNNN), a run (its latest checkpoint), or a model directory or preset
       (a team of the config-default size on that model, or --agents N). Each side is evaluated as \`maporl eval\` would
       (its run's sampling, prompts and turns), all on the same questions with the same sampling seeds. The result goes to
       DIR/<key>/ with --out DIR, else to RUN/comparisons/<key>/ of the first side's run, else to ./comparisons/<key>/, and
       is read back when asked again (--force recomputes). --json prints the result as JSON only.`,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        ...EVAL_FLAGS,
        ...strings('resamples', 'out'),
        ...booleans('force'),
        ...RUNTIME_FLAGS,
      },
      true,
    );
    if (positionals.length < 2)
      throw new UsageError('give at least two sides to compare (checkpoints, runs or model directories)');
    const seed = intOption(values.seed, '--seed', 0);
    const questions = intOption(values.questions, '--questions', 100);
    const resamples = intOption(values.resamples, '--resamples', 2000);
    if (questions < 1) throw new UsageError(`--questions must be at least 1, got "${values.questions}"`);
    if (resamples < 1) throw new UsageError(`--resamples must be at least 1, got "${values.resamples}"`);

    // Where the result goes is checked before minutes of evaluation, not after.
    const outRoot = values.out ? outputDir(values.out) : undefined;

    const located = positionals.map((given) => locateSide(given, process.cwd()));
    const sides = located.map((loc) => sideOf(loc, values, seed));
    const firstRunConfig = located[0].kind === 'checkpoint' ? runConfigOf(located[0].path) : undefined;
    if (!values.task) {
      // Each run was trained on its own task; comparing an arith run with an NLI run on one of them is a mistake to say.
      const tasks = located.map((l) => (l.kind === 'checkpoint' ? runConfigOf(l.path)?.task.type : undefined));
      const other = tasks.findIndex((t) => t !== undefined && firstRunConfig && t !== firstRunConfig.task.type);
      if (other > 0)
        throw new UsageError(
          `side 0 (${located[0].given}) was trained on ${firstRunConfig?.task.type}, side ${other} (${located[other].given}) on ${tasks[other]}: give --task (or --data) to compare them on one task`,
        );
    }
    const { task, records } = evalRecords(values, { questions, seed, runTask: firstRunConfig?.task.type });
    const data = values.data ? path.resolve(values.data) : null;
    const bootstrap = { resamples, seed, confidence: CONFIDENCE };
    const key = comparisonKey({
      sides: sides.map((s) => ({
        path: s.location.path,
        step: s.location.step,
        content: s.location.content,
        agents: s.agents,
        turns: s.turns,
        generation: s.generation,
        prompt: s.prompt,
      })),
      task,
      data: data ? { path: data, sha256: fileSha256(data) } : null,
      questions,
      seed,
      bootstrap,
    });
    const root = outRoot ?? path.join(located[0].run ?? process.cwd(), 'comparisons');
    const dir = path.join(root, key);

    const saved = values.force ? null : readSavedComparison(dir);
    // The extension's compare panel reads the typed `stage` events (protocol CompareStageEvent), not these lines.
    const n = sides.length;
    if (saved) {
      const message = `using the saved comparison ${dir} (--force recomputes)`;
      process.stderr.write(`${message}\n`);
      reportEvent({ type: 'stage', step: 0, stage: 'compare', state: 'reused', done: n, total: n, message, dir });
      print(saved, dir, values.json);
      return 0;
    }
    for (const [i, s] of sides.entries()) {
      const warning = identicalAgentsWarning(s.generation.temperature, s.agents, s.shape.sharing);
      if (warning) process.stderr.write(`${warning} [side ${i}: ${s.location.label}]\n`);
    }
    let progress: Progress | undefined;
    const { result, transcripts } = await runComparison(records, sides, {
      key,
      task,
      data,
      seed,
      bootstrap,
      onSide: (i, s) => {
        const message = `evaluating side ${i} (${i + 1} of ${n}): ${s.location.label} (${s.agents} agents, ${s.turns} turns, temperature ${s.generation.temperature})`;
        process.stderr.write(`${message}\n`);
        reportEvent({ type: 'stage', step: 0, stage: 'compare', state: 'running', done: i, total: n, message });
        progress = evalProgress(`side ${i}`, records.length);
      },
      onProgress: (done) => progress?.update(done),
    });
    const kept = await saveComparison(dir, result, transcripts, values.force);
    if (kept !== result) process.stderr.write(`another compare saved ${dir} first: using its result\n`);
    print(kept, dir, values.json);
    return 0;
  },
};

interface SideFlags {
  turns?: string;
  agents?: string;
  temperature?: string;
  'max-new-tokens'?: string;
  provider?: string;
  threads?: string;
}

/**
 * A side's evaluation settings, as `maporl eval` would pick them for it (its sessions: the flags
 * over its run's runtime section over the environment); weights load later.
 */
function sideOf(location: SideLocation, flags: SideFlags, seed: number): CompareSide {
  const isCheckpoint = location.kind === 'checkpoint';
  const runConfig = isCheckpoint ? runConfigOf(location.path) : undefined;
  let ran: RuntimeInfo | undefined; // a fallback, where one happened, is what the result records
  const runtime = commandRuntime(flags, runConfig?.runtime, (info) => {
    printRuntime(info);
    if (!ran?.fallback) ran = info;
  });
  const { generation, prompt } = evalDefaults(runConfig, {
    temperature: flags.temperature,
    maxNewTokens: flags['max-new-tokens'],
  });
  const shape = isCheckpoint ? checkpointShape(location.path) : modelShape([location.path]);
  // A checkpoint's team is the size it was trained at; --agents sizes base-model teams.
  const agents = isCheckpoint ? shape.agents : intOption(flags.agents, '--agents', shape.agents);
  const turns = intOption(flags.turns, '--turns', shape.turns);
  if (agents < 1 || turns < 1) throw new UsageError('--agents and --turns must be at least 1');
  // Every side is checked before the first is evaluated: past the context, ORT fails mid-comparison.
  const tooLong = isCheckpoint
    ? runConfig && newTokensIssue(runConfig.agents.models, generation.maxNewTokens, runConfig, location.run ?? process.cwd())
    : newTokensIssue([location.path], generation.maxNewTokens, undefined, process.cwd());
  if (tooLong) throw new UsageError(`--max-new-tokens ${tooLong.message} (side ${location.label})`);
  if (shape.sharing === 'per-turn' && turns > shape.policies)
    throw new UsageError(
      `${location.path}: the checkpoint has policies for ${shape.policies} turns; --turns must be at most that`,
    );
  return {
    location,
    shape,
    agents,
    turns,
    generation,
    prompt,
    runtime,
    ranOn: () => ran,
    load: () =>
      isCheckpoint ? loadCheckpointTeam(location.path, prompt, runtime) : loadModelTeam([location.path], seed, process.cwd()),
  };
}

function print(result: ComparisonResult, dir: string, json: boolean | undefined): void {
  process.stdout.write((json ? JSON.stringify(result) : formatComparison(result, dir)) + '\n');
}

/** One row per (turn, side): its metrics and, after the baseline, the paired difference and McNemar's p. */
export function formatComparison(r: ComparisonResult, dir: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const lines = [`${r.task}${r.data ? ` (${r.data})` : ''}, ${r.questions} questions, seed ${r.seed}: ${dir}`];
  r.sides.forEach((s, i) =>
    lines.push(
      `  side ${i}  ${s.label}  ${s.agents} agents, ${s.turns} turns, temperature ${s.generation.temperature}${i === 0 ? '  (baseline)' : ''}`,
    ),
  );
  lines.push('  turn  side  majority  mean agent  wrong→right  right→wrong  vs side 0, points [95% CI]  McNemar p');
  const turns = Math.max(...r.sides.map((s) => s.turns));
  for (let t = 0; t < turns; t++) {
    r.sides.forEach((s, i) => {
      const m = s.table.turns[t];
      if (!m) return;
      const paired = i > 0 ? r.versusBaseline[i - 1].turns[t] : undefined;
      const vs = paired
        ? `${pts(paired.difference)} [${pts(paired.ci[0])}, ${pts(paired.ci[1])}]`.padStart(26) +
          `  ${paired.pValue.toPrecision(3).padStart(9)}`
        : '';
      lines.push(
        `  ${String(t + 1).padStart(4)}  ${String(i).padStart(4)}  ${pct(m.majorityAccuracy).padStart(8)}  ${pct(m.meanAgentAccuracy).padStart(10)}  ` +
          `${String(t ? sum(m.wrongToRight) : '-').padStart(11)}  ${String(t ? sum(m.rightToWrong) : '-').padStart(11)}  ${vs}`.trimEnd(),
      );
    });
  }
  lines.push(`  ${r.differing.length} of ${r.questions} questions end with different majority answers (result.json "differing")`);
  return lines.join('\n');
}
