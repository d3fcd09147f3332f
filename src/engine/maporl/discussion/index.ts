// The discussion room's public entry: the prompt options of a config, a team's evaluation table and
// its report, transcript records.
export { discussionVerdict, EVAL_CHUNK, evalReport, formatEvalTable, identicalAgentsWarning, mean } from './evaluate';
export { promptOptionsOf, type PromptOptions } from './prompts';
export { toTranscript } from './transcripts';
