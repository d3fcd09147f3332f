// The local executor: `maporl train` child processes, as many at once as the thread budget allows
// (the runs' runtime.threads add up to at most `cores`; a run with threads 0 lets ONNX Runtime
// take every core, so it runs alone), the rest queued. Each start and exit is recorded in jobs.jsonl
// so that `sweep status` and `sweep cancel` work from another process.
//
// Children get their own process group: a Ctrl-C at the terminal reaches only this scheduler, which
// passes one SIGTERM on (two would make a run exit without its checkpoint, trainer.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { hasCheckpoint, type SweepDir } from './layout';

export interface LocalRun {
  name: string;
  /** The run's runtime.threads (0: ONNX Runtime's choice, all cores). */
  threads: number;
}

export interface LocalOptions {
  cores: number;
  /** The command that starts `maporl` (node, its flags, the CLI script). */
  cli: readonly string[];
  say?: (line: string) => void;
}

/** Runs `runs` in order within the budget; resolves when all have exited, or after a stop when the running ones have. */
export function runLocal(sd: SweepDir, runs: readonly LocalRun[], o: LocalOptions): Promise<void> {
  const say = o.say ?? (() => undefined);
  const queue = [...runs];
  const running = new Map<string, { child: ChildProcess; cost: number }>();
  let stopping = false;
  const cost = (r: LocalRun) => Math.min(o.cores, r.threads > 0 ? r.threads : o.cores);
  const used = () => [...running.values()].reduce((s, r) => s + r.cost, 0);
  sd.record({ type: 'local-scheduler', pid: process.pid });
  fs.mkdirSync(sd.logs, { recursive: true });

  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      if (!stopping) say(`sweep: ${sig}: stopping ${running.size} running run(s), ${queue.length} not started`);
      stopping = true;
      queue.length = 0;
      for (const { child } of running.values()) child.kill(sig === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    };
    const done = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    const fill = () => {
      while (!stopping && queue.length && (running.size === 0 || used() + cost(queue[0]) <= o.cores)) start(queue.shift()!);
      if (running.size === 0) done();
    };
    const start = (r: LocalRun) => {
      const resume = hasCheckpoint(sd.run(r.name));
      const args = resume
        ? ['train', '--resume', sd.run(r.name)]
        : ['train', sd.config(r.name), '--out', sd.run(r.name), '--force'];
      const log = fs.openSync(sd.log(r.name), 'a');
      const child = spawn(o.cli[0], [...o.cli.slice(1), ...args], { stdio: ['ignore', log, log], detached: true });
      fs.closeSync(log);
      const pid = child.pid ?? -1;
      sd.record({ type: 'local-start', name: r.name, pid, resume });
      say(`sweep: ${resume ? 'resumed' : 'started'} ${r.name} (pid ${pid})`);
      running.set(r.name, { child, cost: cost(r) });
      child.on('error', (e) => say(`sweep: ${r.name}: ${e.message}`));
      child.on('close', (code, signal) => {
        running.delete(r.name);
        sd.record({ type: 'local-exit', name: r.name, pid, code, signal });
        say(`sweep: ${r.name} exited ${code ?? signal} (${running.size} running, ${queue.length} queued)`);
        fill();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    fill();
  });
}
