// What every command gets, created once by extension.ts and passed down (no globals): one bag of one
// shape for all of them, so the command table (commands/index.ts) calls each the same way.
import type * as vscode from 'vscode';
import type { TranscriptsEditorProvider } from '../annotations/transcriptsEditor';
import type { ComparePanels } from '../compare/comparePanels';
import type { DashboardPanels } from '../dashboard/dashboardPanels';
import type { JobManager } from '../jobs/jobManager';
import type { RunStore } from '../runData/runStore';
import type { Settings } from '../settings';
import type { SweepReportPanels } from '../sweeps/sweepReportPanels';
import type { SweepsView } from '../views/sweepsView';

export interface Services {
  readonly extensionUri: vscode.Uri;
  /** The bundled engine, dist/cli.js of the extension. */
  readonly cliPath: string;
  readonly log: vscode.LogOutputChannel;
  readonly jobs: JobManager;
  readonly runs: RunStore;
  readonly dashboards: DashboardPanels;
  /** The checkpoint comparison panels, and the comparison jobs of each set of sides. */
  readonly comparisons: ComparePanels;
  /** The Sweeps view: the sweeps of the runs folders as last read. */
  readonly sweeps: SweepsView;
  readonly sweepReports: SweepReportPanels;
  /** The transcripts editor (custom editor of transcripts.jsonl) that labels discussions. */
  readonly transcripts: TranscriptsEditorProvider;
  settings(): Settings;
  /** Absolute runs folders (the setting against each workspace folder). */
  runsFolders(): string[];
  /** Folders a webview or a run may make the host open files in: workspace folders and runs folders. */
  allowedRoots(): string[];
}
