// The status-bar item of the active job: `MAPoRL <run> · step 120/1000 · 3.2 it/s · ETA 4:10`; a click
// opens its dashboard. The active job is the newest training job of this window, else the newest run
// that is still being written (by another window or the CLI). Hidden when nothing trains.
import * as vscode from 'vscode';
import { CommandId } from './commandIds';
import type { JobManager } from './jobs/jobManager';
import type { RunStore } from './runData/runStore';
import { progressText } from './runData/runState';
import { runtimeBadge } from './runData/runtimeState';

export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('maporl.activeJob', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: { dispose(): void }[];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: JobManager,
    private readonly runs: RunStore,
  ) {
    this.item.name = 'MAPoRL Training';
    // Updates come with every event: redraw at most twice a second.
    const soon = () => {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        this.update();
      }, 500);
    };
    this.subscriptions = [
      jobs.onDidChange.event(soon),
      jobs.onDidExit.event(soon),
      runs.onDidChangeList.event(soon),
      runs.onDidUpdateRun.event(soon),
    ];
    this.update();
  }

  update(): void {
    const owned = this.jobs
      .jobs()
      .filter((j) => j.spec.kind === 'train' && j.spec.runDir)
      .sort((a, b) => b.startedAt - a.startedAt)[0];
    const runs = this.runs.list();
    const run = owned ? runs.find((r) => r.dir === owned.spec.runDir) : runs.find((r) => r.state.status === 'running');
    if (!run) {
      this.item.hide();
      return;
    }
    const stopping = owned?.state.phase === 'stopping';
    const others = this.jobs.jobs().filter((j) => j.spec.kind === 'train').length - (owned ? 1 : 0);
    const ran = runtimeBadge(run.state.runtime);
    this.item.text = `$(${stopping ? 'loading~spin' : 'sync~spin'}) MAPoRL ${run.name} · ${stopping ? 'stopping…' : progressText(run.state)}${ran ? ` · ${ran.text}` : ''}${others > 0 ? ` (+${others})` : ''}`;
    this.item.tooltip = `${run.dir}\n${run.state.status}${ran ? `, ${ran.tooltip}` : ''}\nClick to open the run dashboard.`;
    // A fallback to the CPU shows as a warning, as VS Code colours warnings in the status bar.
    this.item.backgroundColor = ran?.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.command = { command: CommandId.OpenDashboard, title: 'Open Run Dashboard', arguments: [run.dir] };
    this.item.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
