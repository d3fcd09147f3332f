// MAPoRL: Start Sweep… — a *.sweep.json (the explorer's file, else a quick pick of the workspace's),
// an executor (local or Slurm), then `maporl sweep FILE --executor X --out RUNS/NAME` as a job. The
// sweep directory goes to the runs folder, where the Sweeps view finds it. A notification follows the
// runs to the end (local) or the submission (Slurm: then the view follows the queue); Cancel stops
// the local scheduler, which stops every run at a checkpoint (Start Sweep again resumes them).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from './services';
import { engineEnv, runsFolders } from '../settings';
import { loadSweepStatus } from '../sweeps/sweepDirs';
import { percentDone } from '../sweeps/sweepModel';
import { requireTrust } from '../security/workspaceTrust';

export type Executor = 'local' | 'slurm';

/** The sweep's name as the engine gives it: the file's `name`, else the file name without `.sweep.json`. */
export function sweepNameOf(file: string): string {
  try {
    const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z0-9][\w.-]*$/.test(name)) return name;
  } catch {
    /* the engine will say what is wrong with the file */
  }
  return basename(file).replace(/\.sweep\.json$/, '');
}

/** The file's own `executor` (default local), offered first. */
function executorOf(file: string): Executor {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { executor?: unknown }).executor === 'slurm' ? 'slurm' : 'local';
  } catch {
    return 'local';
  }
}

async function pickSweepFile(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg;
  const files = await vscode.workspace.findFiles('**/*.sweep.json', '**/node_modules/**', 200);
  if (!files.length) {
    void vscode.window.showInformationMessage('MAPoRL: no *.sweep.json in this workspace (docs/sweeps.md describes the file).');
    return undefined;
  }
  if (files.length === 1) return files[0].fsPath;
  const picked = await vscode.window.showQuickPick(
    files.map((u) => ({ label: basename(u.fsPath), description: vscode.workspace.asRelativePath(u), uri: u })),
    { title: 'MAPoRL: Start Sweep', placeHolder: 'Sweep file' },
  );
  return picked?.uri.fsPath;
}

export async function startSweep(s: Services, arg?: unknown): Promise<void> {
  if (!requireTrust('Start Sweep')) return;
  const file = await pickSweepFile(arg);
  if (!file) return;
  const first = executorOf(file);
  const executors: { label: Executor; detail: string }[] = [
    {
      label: 'local',
      detail: 'maporl train processes on this machine (the remote one under Remote-SSH), as many at once as local.cores allows',
    },
    { label: 'slurm', detail: 'one sbatch job array; the sweep folder must be on a file system the compute nodes share' },
  ];
  const picked = await vscode.window.showQuickPick(first === 'slurm' ? executors.reverse() : executors, {
    title: `MAPoRL: Start Sweep ${basename(file)}`,
    placeHolder: 'Executor',
  });
  if (!picked) return;
  if (!existsSync(s.cliPath)) {
    void vscode.window.showErrorMessage(
      `MAPoRL: the engine is missing from the extension (${s.cliPath}). Rebuild with npm run build.`,
    );
    return;
  }
  const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  const folder = (ws ? runsFolders(s.settings().runsFolder, [ws.uri.fsPath]) : s.runsFolders())[0];
  if (!folder) {
    void vscode.window.showErrorMessage('MAPoRL: open a folder first: the sweep goes to its runs folder.');
    return;
  }
  const name = sweepNameOf(file);
  const out = join(folder, name);
  const args = ['sweep', file, '--executor', picked.label, '--out', out];
  s.log.info(`starting: maporl ${args.join(' ')}`);
  const job = s.jobs.start({ kind: 'sweep', label: `sweep ${name}`, args, cwd: dirname(file), env: engineEnv(s.settings()) });
  void followSweep(s, job.id, name, out, picked.label);
}

/** The notification of a sweep job: runs done in percent, until the job ends; Cancel stops the job. */
function followSweep(s: Services, jobId: number, name: string, out: string, executor: Executor): Thenable<void> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `MAPoRL: sweep ${name} (${executor})`,
      cancellable: executor === 'local',
    },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let shown = 0;
        const poll = async () => {
          void s.sweeps.refresh();
          if (!existsSync(join(out, 'sweep.json')))
            return progress.report({ message: executor === 'slurm' ? 'submitting…' : 'planning…' });
          try {
            const status = await loadSweepStatus(out);
            const pct = percentDone(status.runs);
            const c = status.counts;
            progress.report({
              increment: Math.max(0, pct - shown),
              message: `${c.finished}/${status.runs.length} finished, ${c.running} running${c.failed ? `, ${c.failed} failed` : ''}`,
            });
            shown = Math.max(shown, pct);
          } catch {
            /* read again next time */
          }
        };
        const timer = setInterval(() => void poll(), 3000);
        const finish = () => {
          clearInterval(timer);
          exit.dispose();
          void s.sweeps.refresh();
          resolve();
        };
        const exit = s.jobs.onDidExit.event((j) => {
          if (j.id === jobId) finish();
        });
        token.onCancellationRequested(() => void s.jobs.stop(jobId));
        void poll();
      }),
  );
}
