// What commands, views and panels share, created once by extension.ts and passed down (no globals).
import type * as vscode from 'vscode';
import type { TranscriptsEditorProvider } from '../annotations/transcriptsEditor';
import type { DashboardPanels } from '../dashboard/dashboardPanels';
import type { JobManager } from '../jobs/jobManager';
import type { RunStore } from '../runData/runStore';
import type { Settings } from '../settings';

export interface Services {
  readonly extensionUri: vscode.Uri;
  /** The bundled engine, dist/cli.js of the extension. */
  readonly cliPath: string;
  readonly log: vscode.LogOutputChannel;
  readonly jobs: JobManager;
  readonly runs: RunStore;
  readonly dashboards: DashboardPanels;
  /** The transcripts editor (custom editor of transcripts.jsonl) that labels discussions. */
  readonly transcripts: TranscriptsEditorProvider;
  settings(): Settings;
  /** Absolute runs folders (the setting against each workspace folder). */
  runsFolders(): string[];
  /** Folders a webview or a run may make the host open files in: workspace folders and runs folders. */
  allowedRoots(): string[];
}
