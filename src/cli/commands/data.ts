import * as fs from 'node:fs';
import { sftRecords, writeSftJsonl } from '../../engine/maporl/sftData';
import { generateSplit } from '../../engine/tasks/synthetic';
import { writeJsonlAtomic } from '../../engine/tasks/jsonl';
import { isBuiltinTask } from '../../protocol/choices';
import { UsageError } from '../errors';
import { intOption, parse, requireOption, type Command } from './command';

export const data: Command = {
  summary: 'write a built-in task split as JSONL: questions ({"question","answer"}) or SFT pairs',
  usage: '--task arith|nli --split train|test --n N --out FILE [--format task|sft] [--seed N] [--force]',
  async run(args) {
    const { values } = parse(args, {
      task: { type: 'string' },
      split: { type: 'string' },
      n: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean' },
    });
    const task = requireOption(values.task, '--task arith|nli');
    if (!isBuiltinTask(task)) throw new UsageError(`--task must be arith or nli, got "${task}"`);
    const split = values.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test, got "${split}"`);
    const format = values.format ?? 'task';
    if (format !== 'task' && format !== 'sft') throw new UsageError(`--format must be task or sft, got "${format}"`);
    const out = requireOption(values.out, '--out FILE');
    if (fs.existsSync(out) && !values.force) throw new UsageError(`${out}: already exists (use --force to replace it)`);
    const n = intOption(values.n, '--n', 1000);
    const seed = intOption(values.seed, '--seed', 0);
    if (format === 'sft') writeSftJsonl(out, sftRecords(task, split, n, seed));
    else
      writeJsonlAtomic(
        out,
        generateSplit(task, split, n, seed).map((r) => ({ question: r.question, answer: r.answer, solution: r.solution })),
      );
    process.stdout.write(`wrote ${n} ${task}/${split} ${format === 'sft' ? 'SFT pairs' : 'questions'} to ${out}\n`);
    return 0;
  },
};
