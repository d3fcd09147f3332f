// The train room's public entry: a MAPoRL run end to end (trainer.ts), and its base-agent stage on
// its own (`maporl prepare-agents`, the demo's agents).
export { train } from './trainer';
export { DEMO_RECIPE, prepareBaseAgents } from './baseAgents';
export { ensurePreparedBase, stageEnd, stageProgress } from './baseStage';
