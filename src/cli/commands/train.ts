import * as fs from 'node:fs';
import * as path from 'node:path';
import { crossCheckConfig, ConfigError, loadConfig, resolveConfigPaths } from '../../engine/maporl/config';
import { ensureEmptyRunDir, finishedSummary } from '../../engine/maporl/run';
import { train as runTraining } from '../../engine/maporl/train';
import { configContextIssue } from '../../engine/generate/context';
import { Progress } from '../progress';
import { UsageError } from '../errors';
import { stopOnSignals } from '../stop';
import { type Command } from './command';
import { parse } from './options';

export const train: Command = {
  summary: 'run a MAPoRL experiment from a *.maporl.json config',
  usage: 'CONFIG [--out DIR] [--force]\n       maporl train --resume RUN_DIR',
  async run(args) {
    const { values, positionals } = parse(
      args,
      { out: { type: 'string' }, resume: { type: 'string' }, force: { type: 'boolean' } },
      true,
    );
    let config;
    let out: string;
    let baseDir: string;
    if (values.resume) {
      if (positionals.length) throw new UsageError('--resume RUN_DIR takes the config from the run directory; give no CONFIG');
      out = values.resume;
      const file = path.join(out, 'config.json');
      if (!fs.existsSync(file)) throw new UsageError(`${out}: not a run directory (no config.json)`);
      if (finishedSummary(out)) {
        process.stdout.write(`already finished: ${path.resolve(out)} (nothing to resume)\n`);
        return 0;
      }
      config = loadConfig(file); // a broken RUN/config.json is a ConfigError naming it, not a bare SyntaxError
      baseDir = path.dirname(file);
    } else {
      if (positionals.length !== 1) throw new UsageError('give one CONFIG file');
      const file = positionals[0];
      config = resolveConfigPaths(loadConfig(file), file);
      baseDir = path.dirname(path.resolve(file));
      out = values.out ?? path.join('runs', `${config.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      const issues = crossCheckConfig(config);
      if (issues.length) throw new ConfigError(file, issues[0].path, issues[0].message);
      const tooLong = configContextIssue(config, baseDir);
      if (tooLong) throw new ConfigError(file, tooLong.path, tooLong.message);
      ensureEmptyRunDir(out, Boolean(values.force), { inputs: [file], say: (line) => process.stderr.write(line + '\n') });
    }
    const stop = stopOnSignals();
    const progress = new Progress('training', config.training.mode === 'none' ? 0 : config.training.iterations);
    try {
      const summary = await runTraining({
        config,
        baseDir,
        out,
        resume: Boolean(values.resume),
        say: (line) => process.stderr.write(line + '\n'),
        onIteration: (done, total) => progress.update(done, `of ${total}`),
        stopSignal: stop.signal,
      });
      process.stdout.write(`${summary.status}: ${path.resolve(out)}\n`);
      return summary.status === 'failed' ? 1 : 0;
    } finally {
      stop.dispose();
    }
  },
};
