// What the editor does with a job's life: its output goes to the engine log channel, its IPC messages
// feed the run's model, and its end gives a notification. A failure or crash shows the last log lines
// and an "Open Log" button; nothing of it reaches the extension host beyond this message.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../commandIds';
import type { RunStore } from '../runData/runStore';
import type { Job, JobManager } from './jobManager';
import { describeOutcome, isErrorOutcome } from './jobState';

const LINES_IN_ERROR = 6;

export function reportJobs(jobs: JobManager, runs: RunStore, log: vscode.LogOutputChannel): vscode.Disposable {
  const name = (job: Job) => (job.spec.runDir ? basename(job.spec.runDir) : job.spec.label);
  const subs = [
    jobs.onLog.event(({ job, line, stream }) => {
      if (!line.trim()) return;
      const text = `[${name(job)}] ${line}`;
      if (stream === 'stderr') log.error(text);
      else log.info(text);
    }),
    jobs.onEvent.event(({ job, payload }) => job.spec.runDir && runs.ipcEvent(job.spec.runDir, payload)),
    jobs.onTranscript.event(({ job, payload }) => job.spec.runDir && runs.ipcTranscript(job.spec.runDir, payload)),
    jobs.onDidExit.event((job) => {
      if (job.spec.runDir) runs.endIpc(job.spec.runDir);
      const what = `${job.spec.kind === 'train' ? 'run' : 'job'} ${name(job)} ${describeOutcome(job.state)}`;
      log.info(what);
      if (job.spec.kind === 'prepare' && !isErrorOutcome(job.state.outcome)) return; // its command shows the result
      if (job.spec.kind === 'compare') return; // its panel shows how it ended
      if (isErrorOutcome(job.state.outcome)) {
        const tail = job.logTail
          .filter((l) => l.trim())
          .slice(-LINES_IN_ERROR)
          .join(' ⏎ ');
        void vscode.window
          .showErrorMessage(`MAPoRL: ${what}.${tail ? ` Last log lines: ${tail}` : ''}`, 'Open Log')
          .then((c) => c && log.show());
      } else if (job.spec.runDir) {
        const dir = job.spec.runDir;
        void vscode.window
          .showInformationMessage(`MAPoRL: ${what}.`, 'Open Dashboard')
          .then((c) => c && vscode.commands.executeCommand(CommandId.OpenDashboard, dir));
      } else {
        void vscode.window
          .showInformationMessage(`MAPoRL: ${what}. Results are in the engine log.`, 'Open Log')
          .then((c) => c && log.show());
      }
    }),
  ];
  return { dispose: () => subs.forEach((s) => s.dispose()) };
}
