import * as fs from 'node:fs';
import * as path from 'node:path';
import { LMRuntime } from '../../engine/generate/runtime';
import { latestCheckpoint, loadCheckpointModel, loadCheckpointVerifier, readTrainerState } from '../../engine/maporl/checkpoint';
import { groundTruthVerifier, type VerifierFn } from '../../engine/maporl/discussion';
import { evaluate as runEvaluation, formatEvalTable, identicalAgentsWarning } from '../../engine/maporl/evaluate';
import { loadConfig, type MaporlConfig } from '../../engine/maporl/config';
import { defaultPromptOptions, type PromptOptions } from '../../engine/maporl/prompts';
import { policyIndex, resolveModel, type Sharing } from '../../engine/maporl/team';
import { LearnedVerifier } from '../../engine/maporl/verifier';
import type { CausalLM } from '../../engine/nn/model';
import type { GenerateOptions } from '../../engine/generate/runtime';
import { GenerationSchema } from '../../protocol/configSchema';
import { answerKindOf, type TaskType } from '../../engine/tasks/types';
import { generateSplit } from '../../engine/tasks/synthetic';
import { loadJsonlTask } from '../../engine/tasks/loaders';
import { UsageError } from '../errors';
import { frozenWeightsOption, intOption, numberOption, parse, type Command } from './command';

const FILE_TASKS = ['gsm8k', 'nli-jsonl', 'generic'] as const;

/** Decoding and prompts of an evaluation before the flags that pick agents and turns. */
export interface EvalDefaults {
  generation: Omit<GenerateOptions, 'seed'>;
  prompt: PromptOptions;
}

/**
 * What `maporl eval` samples with and how it prompts: a run's own settings (as its training-time
 * evaluations used them: eval.temperature, else generation's), else the config schema's defaults,
 * so base models are evaluated as a default run would evaluate them. Flags override.
 */
export function evalDefaults(runConfig: MaporlConfig | undefined, flags: { temperature?: string; maxNewTokens?: string } = {}): EvalDefaults {
  const gen = runConfig?.generation ?? GenerationSchema.parse({});
  const temperature = numberOption(flags.temperature, '--temperature', runConfig?.eval.temperature ?? gen.temperature);
  if (temperature < 0) throw new UsageError(`--temperature must be at least 0, got "${flags.temperature}"`);
  const prompt = runConfig
    ? { templates: runConfig.discussion.templates, show: runConfig.discussion.show, feedVerifierScores: runConfig.discussion.feedVerifierScores }
    : defaultPromptOptions();
  return {
    generation: { maxNewTokens: intOption(flags.maxNewTokens, '--max-new-tokens', gen.maxNewTokens), temperature, topP: gen.topP, topK: gen.topK },
    prompt,
  };
}

export const evaluate: Command = {
  summary: 'multi-agent evaluation of a checkpoint or base model(s), turn by turn',
  usage: '(--checkpoint DIR | --model DIR|PRESET [--model ...]) (--data FILE [--task gsm8k|nli-jsonl|generic] | --task arith|nli)\n'
    + '       [--agents N] [--turns T] [--questions N] [--temperature T] [--max-new-tokens N] [--seed N] [--skip-invalid] [--frozen-weights auto|embedded|fed] [--json]\n'
    + '       A checkpoint is evaluated with its run\'s sampling, prompts and lengths (config.json); base models with the\n'
    + `       config defaults (temperature ${GenerationSchema.parse({}).temperature}, question-last later-turn prompt). --temperature 0 is greedy.`,
  async run(args) {
    const { values } = parse(args, {
      checkpoint: { type: 'string' }, model: { type: 'string', multiple: true }, data: { type: 'string' }, task: { type: 'string' },
      agents: { type: 'string' }, turns: { type: 'string' }, questions: { type: 'string' }, temperature: { type: 'string' },
      'max-new-tokens': { type: 'string' }, seed: { type: 'string' }, 'skip-invalid': { type: 'boolean' }, json: { type: 'boolean' },
      'frozen-weights': { type: 'string' },
    });
    if (!values.checkpoint === !values.model) throw new UsageError('give --checkpoint DIR or --model DIR|PRESET (not both)');
    const seed = intOption(values.seed, '--seed', 0);
    let turns = intOption(values.turns, '--turns', 3);
    const questions = intOption(values.questions, '--questions', 100);

    // A checkpoint's run config (RUN/config.json) supplies what the run used: the task type, the
    // discussion's prompts and the sampling; flags override it.
    const checkpointDir = values.checkpoint ? resolveCheckpoint(values.checkpoint) : undefined;
    const runConfig = checkpointDir ? runConfigOf(checkpointDir) : undefined;
    const { generation, prompt } = evalDefaults(runConfig, { temperature: values.temperature, maxNewTokens: values['max-new-tokens'] });
    const runTask = runConfig?.task.type;
    const runTaskFits = (t: string | undefined) => t !== undefined && (values.data ? (FILE_TASKS as readonly string[]).includes(t) : t === 'arith' || t === 'nli');
    // The task's test records.
    const task = (values.task ?? (runTaskFits(runTask) ? runTask : values.data ? 'generic' : undefined)) as TaskType | undefined;
    if (!task) throw new UsageError('give --data FILE or --task arith|nli');
    let records;
    if (task === 'arith' || task === 'nli') {
      if (values.data) throw new UsageError(`--task ${task} is generated; give no --data`);
      records = generateSplit(task, 'test', questions, seed);
    } else if ((FILE_TASKS as readonly string[]).includes(task)) {
      if (!values.data) throw new UsageError(`--task ${task} needs --data FILE`);
      if (!fs.existsSync(values.data)) throw new UsageError(`${values.data}: no such file`);
      const r = loadJsonlTask(task as (typeof FILE_TASKS)[number], values.data, { skipInvalid: values['skip-invalid'], limit: questions });
      if (r.skipped.count) process.stderr.write(`skipped ${r.skipped.count} invalid lines (first: ${r.skipped.examples[0]})\n`);
      records = r.records;
    } else {
      throw new UsageError(`unknown --task "${task}" (arith, nli, gsm8k, nli-jsonl, generic)`);
    }
    if (records.length === 0) throw new UsageError(`${values.data ?? task}: no questions to evaluate`);

    // The agents' models and how agents map onto them.
    let models: CausalLM[];
    let sharing: Sharing;
    let verifier: VerifierFn = groundTruthVerifier;
    let agents = intOption(values.agents, '--agents', 3);
    let modelSpecs: string[] | undefined;
    if (checkpointDir) {
      const dir = checkpointDir;
      const state = readTrainerState(dir);
      sharing = state.policySharing as Sharing;
      if (values.agents === undefined) agents = state.agents;
      if (values.turns === undefined) turns = state.turns;
      // Without the run's learned verifier the ground truth would score responses, and shown in
      // prompts those scores are the answer key (the config check refuses ground-truth runs).
      const v = await loadCheckpointVerifier(dir);
      if (prompt.feedVerifierScores && !v) {
        throw new UsageError(`${dir}: the run shows verifier scores in prompts (discussion.feedVerifierScores) but the checkpoint has no learned verifier; ground-truth scores would give away the answers`);
      }
      if (v) {
        const lv = new LearnedVerifier(v.config, v.tokenizer, v.weights, {}, prompt.templates.first);
        verifier = (pairs) => lv.score(pairs);
      }
      models = [];
      // Full fine-tuning saved each policy as a model; LoRA as adapters, merged here into their base.
      for (let i = 0; i < state.policies; i++) models.push(await loadCheckpointModel(dir, i));
      if (sharing === 'per-agent' && values.agents === undefined) agents = state.policies;
      if (sharing === 'per-agent' && agents !== state.policies) throw new UsageError(`the checkpoint has one policy per agent (${state.policies}); --agents must be ${state.policies}`);
      if (sharing === 'per-turn' && turns > state.policies) throw new UsageError(`the checkpoint has policies for ${state.policies} turns; --turns must be at most that`);
    } else {
      const specs = values.model!;
      if (specs.length > 1 && values.agents !== undefined && agents !== specs.length) throw new UsageError(`config asks for more agents than models: ${agents} agents, ${specs.length} models`);
      if (specs.length > 1) agents = specs.length;
      sharing = specs.length > 1 ? 'per-agent' : 'shared';
      modelSpecs = specs.map((s) => (fs.existsSync(s) ? path.resolve(s) : s));
      models = [];
      for (const s of specs) models.push((await resolveModel(s, seed, process.cwd())).model);
    }
    const frozenWeights = values['frozen-weights'] !== undefined ? frozenWeightsOption(values['frozen-weights']) : runConfig?.runtime.frozenWeights ?? 'auto';
    const warning = identicalAgentsWarning(generation.temperature, agents, sharing, modelSpecs);
    if (warning) process.stderr.write(warning + '\n');
    const lms = await Promise.all(models.map((m) => LMRuntime.create(m, { runtime: { frozenWeights } })));
    const result = await runEvaluation(records, 0, {
      agents, turns, seed, kind: answerKindOf(task), verifier, prompt, generation,
      modelFor: (a, t) => lms[policyIndex(sharing, a, t)],
    });
    if (values.json) process.stdout.write(JSON.stringify(result.table) + '\n');
    else process.stdout.write(formatEvalTable(`${agents} agents, ${turns} turns, temperature ${generation.temperature}`, result.table) + '\n');
    return 0;
  },
};

/** A checkpoint directory, or the latest checkpoint of a run directory. */
function resolveCheckpoint(given: string): string {
  const dir = fs.existsSync(path.join(given, 'trainer_state.json')) ? given : latestCheckpoint(path.join(given, 'checkpoints'));
  if (!dir) throw new UsageError(`${given}: neither a checkpoint nor a run directory with checkpoints`);
  return dir;
}

/** RUN/config.json of a checkpoint RUN/checkpoints/step-N, when there is one. */
function runConfigOf(checkpointDir: string): MaporlConfig | undefined {
  const file = path.join(checkpointDir, '..', '..', 'config.json');
  return fs.existsSync(file) ? loadConfig(file) : undefined;
}
