// The base room's public entry: what a config's base agents are and where the cache keeps them
// (baseRecipe.ts), and a built-in task's SFT pairs (sftData.ts). Pure: no ONNX Runtime behind it,
// so a sweep can plan its base-agent stage (sweep/baseStage.ts).
export { recipeDir, recipeOf } from './baseRecipe';
export { sftRecords } from './sftData';
