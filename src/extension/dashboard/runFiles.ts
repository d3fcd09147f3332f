// The files a run's dashboard puts beside itself: the experiment config the run was started from
// (its job file names it: `train CONFIG --out RUN`), else the run's own config.json, and the training
// data the config names (file tasks; built-in tasks have none). Node fs only.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readJobFile } from '../runData/jobFile';
import { RUN_FILES } from '../runData/runDirectory';

export interface RunFiles {
  /** The experiment's *.maporl.json when known and present, else RUN/config.json. */
  config: string;
  /** Whether `config` is the experiment's own file (not the run's resolved copy). */
  experiment: boolean;
  /** The training data file, when the task reads one and it exists. */
  data: string | null;
}

/** The experiment config a run was started from, from its job file's arguments; null when unknown. */
export function experimentConfigOf(runDir: string, cwd?: string): string | null {
  const args = readJobFile(runDir)?.args ?? [];
  const at =
    args[0] === 'train'
      ? args.findIndex((a, i) => i > 0 && a.endsWith('.json') && args[i - 1] !== '--out' && args[i - 1] !== '--resume')
      : -1;
  if (at < 0) return null;
  const file = isAbsolute(args[at]) ? args[at] : resolve(cwd ?? runDir, args[at]);
  return existsSync(file) ? file : null;
}

const trainFileOf = (config: unknown): string | null => {
  const f = (config as { task?: { trainFile?: unknown } } | null)?.task?.trainFile;
  return typeof f === 'string' && f ? f : null;
};

export function runFiles(runDir: string, config: Record<string, unknown> | null): RunFiles {
  const experiment = experimentConfigOf(runDir);
  // config.json holds the paths resolved against the experiment's folder; before the engine has
  // written it (a run just started), the experiment's own file names them relative to itself.
  let data = trainFileOf(config);
  if (!data && experiment) {
    try {
      const own = trainFileOf(JSON.parse(readFileSync(experiment, 'utf8')));
      data = own ? resolve(dirname(experiment), own) : null;
    } catch {
      /* an invalid config: no data to show */
    }
  }
  if (data && (!isAbsolute(data) || !existsSync(data))) data = null;
  return { config: experiment ?? join(runDir, RUN_FILES.config), experiment: experiment !== null, data };
}
