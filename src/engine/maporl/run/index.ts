// The run room's public entry: a run directory made ready or found finished (runDir.ts), a saved
// team read back from a checkpoint or from base models and evaluated (evalTeam.ts), a checkpoint's
// trainer state.
export { ensureEmptyRunDir, finishedSummary } from './runDir';
export { readTrainerState } from './checkpoint';
export {
  checkpointShape,
  evalSettingsOf,
  evaluateTeam,
  findCheckpoint,
  loadCheckpointTeam,
  loadModelTeam,
  modelShape,
  runConfigOf,
  runDirOf,
  type EvalSettings,
  type LoadedTeam,
  type TeamShape,
} from './evalTeam';
