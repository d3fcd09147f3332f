// The op library, as one namespace: `import * as F from '../graph/ops'`.
export * from './broadcast';
export * from './elementwise';
export * from './layout';
export * from './reduce';
export * from './indexing';
export * from './linalg';
export * from './nn';
export * from './fused';
