// Command ids and palette titles, mirroring `contributes.commands` of package.json (a unit test keeps
// the two in step). Every command shows in the palette under the category "MAPoRL".
export enum CommandId {
  NewExperiment = 'maporl.newExperiment',
  StartTraining = 'maporl.startTraining',
  StopTraining = 'maporl.stopTraining',
  ResumeTraining = 'maporl.resumeTraining',
  OpenDashboard = 'maporl.openDashboard',
  EvaluateCheckpoint = 'maporl.evaluateCheckpoint',
  ShowEngineLog = 'maporl.showEngineLog',
  RefreshRuns = 'maporl.refreshRuns',
  PrepareBaseAgents = 'maporl.prepareBaseAgents',
  CompareCheckpoints = 'maporl.compareCheckpoints',
  AnnotateTranscripts = 'maporl.annotateTranscripts',
  StartSweep = 'maporl.startSweep',
  CancelSweep = 'maporl.cancelSweep',
  OpenSweepReport = 'maporl.openSweepReport',
  CheckGpu = 'maporl.checkGpu',
}

export const COMMAND_CATEGORY = 'MAPoRL';

export const COMMAND_TITLES: Record<CommandId, string> = {
  [CommandId.NewExperiment]: 'New Experiment…',
  [CommandId.StartTraining]: 'Start Training',
  [CommandId.StopTraining]: 'Stop Training',
  [CommandId.ResumeTraining]: 'Resume Training',
  [CommandId.OpenDashboard]: 'Open Run Dashboard',
  [CommandId.EvaluateCheckpoint]: 'Evaluate Checkpoint…',
  [CommandId.ShowEngineLog]: 'Show Engine Log',
  [CommandId.RefreshRuns]: 'Refresh Runs',
  [CommandId.PrepareBaseAgents]: 'Prepare Base Agents (SFT)…',
  [CommandId.CompareCheckpoints]: 'Compare Checkpoints…',
  [CommandId.AnnotateTranscripts]: 'Annotate Transcripts',
  [CommandId.StartSweep]: 'Start Sweep…',
  [CommandId.CancelSweep]: 'Cancel Sweep',
  [CommandId.OpenSweepReport]: 'Open Sweep Report',
  [CommandId.CheckGpu]: 'Check GPU',
};

/** Commands that start an engine process: refused in an untrusted workspace. */
export const JOB_COMMANDS: readonly CommandId[] = [
  CommandId.StartTraining,
  CommandId.ResumeTraining,
  CommandId.EvaluateCheckpoint,
  CommandId.PrepareBaseAgents,
  CommandId.StartSweep,
  CommandId.CancelSweep,
  CommandId.CheckGpu,
];

export const VIEW_CONTAINER_ID = 'maporl';
export const EXPERIMENTS_VIEW_ID = 'maporl.experiments';
export const RUNS_VIEW_ID = 'maporl.runs';
export const SWEEPS_VIEW_ID = 'maporl.sweeps';
export const DASHBOARD_VIEW_TYPE = 'maporl.dashboard';
export const COMPARE_VIEW_TYPE = 'maporl.compare';
export const SWEEP_REPORT_VIEW_TYPE = 'maporl.sweepReport';
/** The custom editor of a run's transcripts.jsonl (contributes.customEditors). */
export const TRANSCRIPTS_VIEW_TYPE = 'maporl.transcripts';
