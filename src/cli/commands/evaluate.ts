import * as fs from 'node:fs';
import * as path from 'node:path';
import { evalReport, formatEvalTable, identicalAgentsWarning } from '../../engine/maporl/discussion';
import {
  checkpointShape,
  evalSettingsOf,
  evaluateTeam,
  findCheckpoint,
  loadCheckpointTeam,
  loadModelTeam,
  modelShape,
  runConfigOf,
  type EvalSettings,
} from '../../engine/maporl/run';
import type { MaporlConfig } from '../../engine/maporl/config';
import { isBuiltinTask, isFileTask } from '../../protocol/choices';
import { GenerationSchema } from '../../protocol/configSchema';
import { answerKindOf, type TaskRecord, type TaskType } from '../../engine/tasks/types';
import { generateSplit } from '../../engine/tasks/synthetic';
import { loadJsonlTask } from '../../engine/tasks/loaders';
import { newTokensIssue } from '../../engine/generate/context';
import { UsageError } from '../errors';
import { evalProgress } from '../progress';
import { type Command, commandRuntime, RUNTIME_FLAGS, RUNTIME_USAGE } from './command';
import { booleans, intOption, numberOption, parse, strings } from './options';

/**
 * What `maporl eval` samples with and how it prompts: the engine's defaults for the run (evalSettingsOf:
 * its own settings, else the config schema's), with --temperature and --max-new-tokens over them.
 */
export function evalDefaults(
  runConfig: MaporlConfig | undefined,
  flags: { temperature?: string; maxNewTokens?: string } = {},
): EvalSettings {
  const d = evalSettingsOf(runConfig);
  const temperature = numberOption(flags.temperature, '--temperature', d.generation.temperature);
  if (temperature < 0) throw new UsageError(`--temperature must be at least 0, got "${flags.temperature}"`);
  const maxNewTokens = intOption(flags.maxNewTokens, '--max-new-tokens', d.generation.maxNewTokens);
  return { generation: { ...d.generation, maxNewTokens, temperature }, prompt: d.prompt };
}

/** The options `maporl eval` and `maporl compare` share: the questions, the team's size and the sampling. */
export const EVAL_FLAGS = {
  ...strings('data', 'task', 'agents', 'turns', 'questions', 'temperature', 'max-new-tokens', 'seed'),
  ...booleans('skip-invalid', 'json'),
};

export const evaluate: Command = {
  summary: 'multi-agent evaluation of a checkpoint or base model(s), turn by turn',
  usage:
    '(--checkpoint DIR | --model DIR|PRESET [--model ...]) (--data FILE [--task gsm8k|nli-jsonl|generic] | --task arith|nli|pairsum)\n' +
    '       [--agents N] [--turns T] [--questions N] [--temperature T] [--max-new-tokens N] [--seed N] [--skip-invalid] [--frozen-weights auto|embedded|fed] [--json]\n' +
    `       ${RUNTIME_USAGE}\n` +
    "       A checkpoint is evaluated with its run's sampling, prompts and lengths (config.json); base models with the\n" +
    `       config defaults (temperature ${GenerationSchema.parse({}).temperature}, question-last later-turn prompt). --temperature 0 is greedy.`,
  async run(args) {
    const { values } = parse(args, {
      model: { type: 'string', multiple: true },
      ...strings('checkpoint', 'frozen-weights'),
      ...EVAL_FLAGS,
      ...RUNTIME_FLAGS,
    });
    if (!values.checkpoint === !values.model) throw new UsageError('give --checkpoint DIR or --model DIR|PRESET (not both)');
    const seed = intOption(values.seed, '--seed', 0);
    const questions = intOption(values.questions, '--questions', 100);

    // A checkpoint's run config (RUN/config.json) supplies what the run used: the task type, the
    // discussion's prompts and the sampling; flags override it.
    const checkpointDir = values.checkpoint ? findCheckpoint(values.checkpoint) : undefined;
    const runConfig = checkpointDir ? runConfigOf(checkpointDir) : undefined;
    const { generation, prompt } = evalDefaults(runConfig, {
      temperature: values.temperature,
      maxNewTokens: values['max-new-tokens'],
    });
    // New tokens past the agents' context fail inside ORT, after the models load: refuse them now.
    const tooLong = checkpointDir
      ? runConfig &&
        newTokensIssue(runConfig.agents.models, generation.maxNewTokens, runConfig, path.resolve(checkpointDir, '..', '..'))
      : newTokensIssue(values.model ?? [], generation.maxNewTokens, undefined, process.cwd());
    if (tooLong) throw new UsageError(`--max-new-tokens ${tooLong.message}`);
    const { task, records } = evalRecords(values, { questions, seed, runTask: runConfig?.task.type });

    // The agents' models and how agents map onto them: the checkpoint's shape unless flags say otherwise.
    const specs = values.model ?? [];
    const shape = checkpointDir ? checkpointShape(checkpointDir) : modelShape(specs);
    const { sharing } = shape;
    const agents = intOption(values.agents, '--agents', shape.agents);
    const turns = intOption(values.turns, '--turns', shape.turns);
    if (specs.length > 1 && agents !== specs.length)
      throw new UsageError(`config asks for more agents than models: ${agents} agents, ${specs.length} models`);
    if (checkpointDir && sharing === 'per-agent' && agents !== shape.policies)
      throw new UsageError(`the checkpoint has one policy per agent (${shape.policies}); --agents must be ${shape.policies}`);
    if (checkpointDir && sharing === 'per-turn' && turns > shape.policies)
      throw new UsageError(`the checkpoint has policies for ${shape.policies} turns; --turns must be at most that`);
    const modelSpecs = checkpointDir ? undefined : specs.map((s) => (fs.existsSync(s) ? path.resolve(s) : s));
    // Flags over the run's own runtime section over the environment (runtime/resolve.ts).
    const runtime = commandRuntime(values, runConfig?.runtime);
    const team = checkpointDir
      ? await loadCheckpointTeam(checkpointDir, prompt, runtime)
      : await loadModelTeam(specs, seed, process.cwd());
    const warning = identicalAgentsWarning(generation.temperature, agents, sharing, modelSpecs);
    if (warning) process.stderr.write(warning + '\n');
    const progress = evalProgress('eval', records.length);
    const result = await evaluateTeam(
      records,
      team,
      { sharing, agents, turns, generation, prompt, runtime },
      { step: 0, seed, kind: answerKindOf(task), onProgress: (done) => progress?.update(done) },
    );
    if (values.json) process.stdout.write(JSON.stringify(evalReport(result)) + '\n');
    else
      process.stdout.write(
        formatEvalTable(`${agents} agents, ${turns} turns, temperature ${generation.temperature}`, result.table) + '\n',
      );
    return 0;
  },
};

/** More questions than a test split holds: a typo (1e9) would otherwise run for days, silently. */
const MAX_QUESTIONS = 100_000;

/** The flags of EVAL_FLAGS that name the questions. */
interface QuestionFlags {
  task?: string;
  data?: string;
  'skip-invalid'?: boolean;
}

export interface EvalRecordsOptions {
  questions: number;
  seed: number;
  /** The task of the run being evaluated: the default when it fits the given data (or its absence). */
  runTask?: string;
}

/** The test questions of an evaluation: a generated split, or the first N records of a JSONL file. */
export function evalRecords(flags: QuestionFlags, options: EvalRecordsOptions): { task: TaskType; records: TaskRecord[] } {
  const o = { ...options, task: flags.task, data: flags.data, skipInvalid: flags['skip-invalid'] };
  if (!(o.questions >= 1 && o.questions <= MAX_QUESTIONS))
    throw new UsageError(`--questions must be between 1 and ${MAX_QUESTIONS}, got ${o.questions}`);
  const runTaskFits = (t: string | undefined) => t !== undefined && (o.data ? isFileTask(t) : isBuiltinTask(t));
  const task = (o.task ?? (runTaskFits(o.runTask) ? o.runTask : o.data ? 'generic' : undefined)) as TaskType | undefined;
  if (!task) throw new UsageError('give --data FILE or --task arith|nli|pairsum');
  let records: TaskRecord[];
  if (isBuiltinTask(task)) {
    if (o.data) throw new UsageError(`--task ${task} is generated; give no --data`);
    records = generateSplit(task, 'test', o.questions, o.seed);
  } else if (isFileTask(task)) {
    if (!o.data) throw new UsageError(`--task ${task} needs --data FILE`);
    if (!fs.existsSync(o.data)) throw new UsageError(`${o.data}: no such file`);
    const r = loadJsonlTask(task, o.data, { skipInvalid: o.skipInvalid, limit: o.questions });
    if (r.skipped.count) process.stderr.write(`skipped ${r.skipped.count} invalid lines (first: ${r.skipped.examples[0]})\n`);
    records = r.records;
  } else {
    throw new UsageError(`unknown --task "${task}" (arith, nli, pairsum, gsm8k, nli-jsonl, generic)`);
  }
  if (records.length === 0) throw new UsageError(`${o.data ?? task}: no questions to evaluate`);
  return { task, records };
}
