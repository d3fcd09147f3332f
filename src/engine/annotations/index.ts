// Annotations of a run's transcripts (annotations.jsonl): reading and saving (store), agreement,
// stats, export rows and the verifier report. Nothing here imports onnxruntime, so the extension
// can bundle it.
export * from './store';
export * from './agreement';
export * from './stats';
export * from './join';
export * from './exportFormats';
export * from './verifierReport';
