// A second writer for store.test.ts: from a given time on, saves N labels of its own one at a time,
// each as an editor would (load, add one, save with the loaded set as base).
import { readAnnotationsFile, saveAnnotations } from '../../../src/engine/annotations/store';
import { label } from './fakeRun';

const [runDir, annotator, n, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {
  /* start together with the other writer */
}
for (let i = 0; i < Number(n); i++) {
  const base = readAnnotationsFile(runDir).annotations;
  saveAnnotations(runDir, base, { annotations: [...base, label('q', i, 0, 'persuasive', annotator)], broken: [] });
}
