// The sweep's base-agent stage. Runs whose configs have a `baseAgents` section share their SFT'd
// agents through the cache (maporl/train/baseStage.ts); left to themselves, runs started side by side
// would each fine-tune the same agents (minutes each) before one of them filled the cache. So the
// sweep prepares each distinct recipe once, before its runs: locally as a `maporl prepare-agents`
// child it waits for, on Slurm as one job per recipe that the run array depends on (afterok).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SlurmOptions } from '../../protocol/sweepSchema';
import { recipeDir, recipeOf } from '../maporl/base';
import type { MaporlConfig } from '../maporl/config';
import type { SweepDir } from './layout';
import { shellQuote, slurmResourceArgs, submitBatch } from './slurm';

/** One run per distinct recipe whose base agents the cache does not hold yet (its config is the one prepared). */
export function basesToPrepare(runs: readonly { name: string; config: MaporlConfig }[]): string[] {
  const first = new Map<string, string>();
  for (const r of runs) {
    const recipe = recipeOf(r.config);
    if (!recipe) continue;
    const dir = recipeDir(recipe);
    if (!first.has(dir) && !fs.existsSync(path.join(dir, 'recipe.json'))) first.set(dir, r.name);
  }
  return [...first.values()];
}

/** The command line that prepares the base agents of run `name`'s config. */
export function prepareArgs(sd: SweepDir, name: string): string[] {
  return ['prepare-agents', '--config', path.resolve(sd.config(name))];
}

/**
 * Local: prepares each base in turn (a child per recipe, logged to logs/base-NAME.log); throws if one
 * fails. `stop` (a signal to the sweep, `sweep cancel`) sends SIGTERM to the child and prepares no more.
 */
export async function prepareLocal(
  sd: SweepDir,
  names: readonly string[],
  cli: readonly string[],
  say: (line: string) => void,
  stop?: AbortSignal,
): Promise<void> {
  fs.mkdirSync(sd.logs, { recursive: true });
  for (const name of names) {
    if (stop?.aborted) return;
    const logFile = path.join(sd.logs, `base-${name}.log`);
    say(`sweep: preparing the base agents of ${name} (log ${logFile})`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(cli[0], [...cli.slice(1), ...prepareArgs(sd, name)], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    sd.record({ type: 'base-stage', name, pid: child.pid ?? -1 });
    const kill = () => child.kill('SIGTERM');
    stop?.addEventListener('abort', kill);
    if (stop?.aborted) kill();
    const code = await new Promise<number | string>((resolve) => {
      child.on('error', (e) => resolve(e.message));
      child.on('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    });
    stop?.removeEventListener('abort', kill);
    if (stop?.aborted) return;
    if (code !== 0) throw new BaseStageError(`the base-agent stage of ${name} ended with ${code}: see ${logFile}`);
  }
}

/** Slurm: one job per base, with the runs' resources; returns their job ids (the array's afterok dependency). */
export function submitBases(
  sd: SweepDir,
  sweepName: string,
  names: readonly string[],
  o: SlurmOptions,
  cpusPerTask: number,
  cli: readonly string[],
): string[] {
  fs.mkdirSync(sd.logs, { recursive: true });
  return names.map((name) => {
    const jobId = submitBatch(baseSbatchArgs(sd, sweepName, name, o, cpusPerTask, cli));
    sd.record({ type: 'base-stage', name, jobId });
    return jobId;
  });
}

/** sbatch's arguments for the job that prepares run `name`'s base agents. */
export function baseSbatchArgs(
  sd: SweepDir,
  sweepName: string,
  name: string,
  o: SlurmOptions,
  cpusPerTask: number,
  cli: readonly string[],
): string[] {
  return [
    '--parsable',
    `--job-name=maporl-${sweepName}-base`,
    `--chdir=${path.resolve(sd.dir)}`,
    `--output=${path.join(path.resolve(sd.dir), 'logs', `slurm-base-${name}-%j.out`)}`,
    ...(o.dependency ? [`--dependency=${o.dependency}`] : []),
    ...slurmResourceArgs(o, cpusPerTask),
    ...o.extraArgs,
    `--wrap=exec ${[...cli, ...prepareArgs(sd, name)].map(shellQuote).join(' ')}`,
  ];
}

export class BaseStageError extends Error {
  override readonly name = 'BaseStageError';
}
