import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepStatus } from '../../protocol/sweepSchema';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/io/atomic';
import { reportMarkdown, sweepReport } from '../../engine/sweep/report';
import { BaseStageError } from '../../engine/sweep/baseStage';
import { SlurmError } from '../../engine/sweep/slurm';
import { sweepStatus } from '../../engine/sweep/status';
import { cancelSweep, runSweep, SweepBusyError, type Action, type Executor } from '../../engine/sweep/sweep';
import { UsageError } from '../errors';
import { type Command } from './command';
import { parse } from './options';

const SUBCOMMANDS = ['status', 'cancel', 'report'];

export const sweep: Command = {
  summary: 'run a sweep (*.sweep.json) locally or on Slurm; status, cancel, report',
  usage:
    'SWEEP.json [--executor local|slurm] [--dry-run] [--out DIR]\n' +
    '       maporl sweep status|report SWEEP_DIR [--json]\n' +
    '       maporl sweep cancel SWEEP_DIR',
  async run(args) {
    try {
      return SUBCOMMANDS.includes(args[0]) ? inspect(args[0], args.slice(1)) : await start(args);
    } catch (e) {
      if (e instanceof SweepBusyError) throw new UsageError(e.message);
      if (e instanceof SlurmError || e instanceof BaseStageError) {
        process.stderr.write(`maporl: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};

async function start(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { executor: { type: 'string' }, 'dry-run': { type: 'boolean' }, out: { type: 'string' } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(`give one SWEEP file, or one of ${SUBCOMMANDS.join(', ')} and a SWEEP_DIR`);
  const executor = values.executor;
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm')
    throw new UsageError(`--executor must be local or slurm, got "${executor}"`);
  const say = (line: string) => process.stderr.write(line + '\n');
  const outcome = await runSweep({
    file: positionals[0],
    out: values.out,
    executor: executor as Executor | undefined,
    dryRun: Boolean(values['dry-run']),
    // The same node, flags (tsx in development) and CLI script for every run: local children and Slurm tasks alike.
    cli: [process.execPath, ...process.execArgv, path.resolve(process.argv[1])],
    say,
  });
  if (values['dry-run']) {
    const counts = (a: Action['action']) => outcome.actions.filter((x) => x.action === a).length;
    process.stdout.write(
      `dry run (${outcome.executor}) of ${outcome.dir}: ${counts('train')} to train, ${counts('resume')} to resume, ${counts('skip')} left as they are\n`,
    );
    for (const a of outcome.actions)
      process.stdout.write(`  ${String(a.index).padStart(3)}  ${a.action.padEnd(6)}  ${a.state.padEnd(8)}  ${a.name}\n`);
    for (const command of outcome.baseStage ?? []) process.stdout.write(`base agents first: ${command.join(' ')}\n`);
    if (outcome.sbatch && counts('skip') < outcome.actions.length) process.stdout.write(`${outcome.sbatch.join(' ')}\n`);
    return 0;
  }
  if (outcome.executor === 'slurm') {
    const after = outcome.baseJobIds?.length
      ? ` after base-agent job${outcome.baseJobIds.length > 1 ? 's' : ''} ${outcome.baseJobIds.join(', ')}`
      : '';
    process.stdout.write(
      outcome.jobId
        ? `submitted: job ${outcome.jobId}${after} → ${path.resolve(outcome.dir)}\n`
        : `nothing to submit: ${path.resolve(outcome.dir)}\n`,
    );
    return 0;
  }
  const status = outcome.status ?? sweepStatus(outcome.dir);
  process.stdout.write(`${countsLine(status)}: ${path.resolve(outcome.dir)}\n`);
  return status.counts.failed > 0 ? 1 : 0;
}

function inspect(sub: string, args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, true);
  if (positionals.length !== 1) throw new UsageError(`give one SWEEP_DIR to maporl sweep ${sub}`);
  const dir = positionals[0];
  if (!fs.existsSync(path.join(dir, 'sweep.json'))) throw new UsageError(`${dir}: not a sweep directory (no sweep.json)`);
  if (sub === 'cancel') {
    if (values.json) throw new UsageError('maporl sweep cancel takes no --json');
    const signalled = cancelSweep(dir);
    process.stdout.write(signalled.length ? `cancelled: ${signalled.join(', ')}\n` : 'nothing was running\n');
    return 0;
  }
  if (sub === 'status') {
    const status = sweepStatus(dir);
    process.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : statusTable(status));
    return 0;
  }
  const report = sweepReport(dir);
  const md = reportMarkdown(report);
  writeJsonAtomic(path.join(dir, 'report.json'), report);
  writeFileAtomic(path.join(dir, 'report.md'), md);
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : md);
  return 0;
}

const countsLine = (s: SweepStatus) =>
  Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');

function statusTable(s: SweepStatus): string {
  const rows = s.runs.map((r) => [
    String(r.index),
    r.name,
    r.state,
    r.step === null ? '' : `${r.step}/${r.totalSteps ?? '?'}`,
    [r.where, r.message].filter(Boolean).join(' — '),
  ]);
  const head = ['#', 'run', 'state', 'step', 'where'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd() + '\n';
  return `sweep ${s.name}: ${countsLine(s)}\n` + fmt(head) + rows.map(fmt).join('');
}
