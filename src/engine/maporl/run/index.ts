// The run room's public entry: a run directory made ready or found finished (runDir.ts), a checkpoint's
// trainer state, and a saved team read back from a checkpoint or from base models and evaluated
// (evalTeam.ts, all of it public: what `maporl eval` and `maporl compare` are made of).
export { ensureEmptyRunDir, finishedSummary } from './runDir';
export { readTrainerState } from './checkpoint';
export * from './evalTeam';
