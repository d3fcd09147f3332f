// The compare layer's public entry (`maporl compare`): the sides located, evaluated on the same
// questions and compared (compare.ts, sides.ts), the result saved and read back under its key (store.ts).
export { runComparison, type CompareSide } from './compare';
export { locateSide, type SideLocation } from './sides';
export { comparisonKey, fileSha256, readSavedComparison, saveComparison } from './store';
