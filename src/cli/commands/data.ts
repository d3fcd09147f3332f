import { outputFile, writeOutputFile } from '../../engine/io/outputs';
import { sftRecords } from '../../engine/maporl/base';
import { generateSplit } from '../../engine/tasks/synthetic';
import { MADE_UP_ERRORS, isBuiltinTask, type MadeUpErrors } from '../../protocol/choices';
import { UsageError } from '../errors';
import { type Command } from './command';
import { booleans, intOption, numberOption, parse, requireOption, strings } from './options';

/** A million questions is 100 MB of JSONL; a typo (1e9) would fill memory and the disk, silently. */
const MAX_N = 1_000_000;

export const data: Command = {
  summary: 'write a built-in task split as JSONL: questions ({"question","answer"}) or SFT pairs',
  usage:
    '--task arith|nli|pairsum --split train|test --n N --out FILE [--format task|sft] [--seed N] [--force]\n' +
    '  SFT pairs: [--discussion-fraction X] share in the later-turn prompt with made-up previous answers (0.3)\n' +
    '             [--made-up-errors final-answer|slip|near-miss] how the wrong ones go wrong (final-answer)',
  async run(args) {
    const { values } = parse(args, {
      ...strings('task', 'split', 'n', 'out', 'format', 'seed', 'discussion-fraction', 'made-up-errors'),
      ...booleans('force'),
    });
    const task = requireOption(values.task, '--task arith|nli|pairsum');
    if (!isBuiltinTask(task)) throw new UsageError(`--task must be arith, nli or pairsum, got "${task}"`);
    const split = values.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test, got "${split}"`);
    const format = values.format ?? 'task';
    if (format !== 'task' && format !== 'sft') throw new UsageError(`--format must be task or sft, got "${format}"`);
    const out = requireOption(values.out, '--out FILE');
    // A device or a FIFO is written through, a link followed; an existing file needs --force (io/outputs.ts).
    if (outputFile(out).exists && !values.force) throw new UsageError(`${out}: already exists (use --force to replace it)`);
    const n = intOption(values.n, '--n', 1000);
    if (n < 1 || n > MAX_N) throw new UsageError(`--n must be from 1 to ${MAX_N}, got "${values.n}"`);
    const seed = intOption(values.seed, '--seed', 0);
    const discussionFraction = numberOption(values['discussion-fraction'], '--discussion-fraction', 0.3);
    if (!(discussionFraction >= 0 && discussionFraction <= 1))
      throw new UsageError(`--discussion-fraction must be from 0 to 1, got "${values['discussion-fraction']}"`);
    const madeUpErrors = values['made-up-errors'] ?? 'final-answer';
    if (!MADE_UP_ERRORS.includes(madeUpErrors as MadeUpErrors))
      throw new UsageError(`--made-up-errors must be ${MADE_UP_ERRORS.join(', ')}, got "${madeUpErrors}"`);
    if (format !== 'sft' && (values['discussion-fraction'] !== undefined || values['made-up-errors'] !== undefined))
      throw new UsageError('--discussion-fraction and --made-up-errors shape SFT pairs: add --format sft');
    const rows =
      format === 'sft'
        ? sftRecords(task, split, n, seed, { discussionFraction, madeUpErrors: madeUpErrors as MadeUpErrors })
        : generateSplit(task, split, n, seed).map((r) => ({ question: r.question, answer: r.answer, solution: r.solution }));
    writeOutputFile(out, rows.map((r) => JSON.stringify(r) + '\n').join(''));
    process.stdout.write(`wrote ${n} ${task}/${split} ${format === 'sft' ? 'SFT pairs' : 'questions'} to ${out}\n`);
    return 0;
  },
};
