// Label counts for the Runs view and the dashboard: by label (most used first), notes, annotators;
// re-read when annotations.jsonl changes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AnnotationModel } from '../../src/extension/annotations/annotationModel';
import { labelCounts, labelCountsText } from '../../src/extension/runData/labelCounts';

const d1 = { id: 'q1', step: 3, split: 'train' as const, sample: 0 };
const d2 = { id: 'q2', step: 3, split: 'eval' as const, sample: 1 };

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'maporl-counts-'));
  return { dir, model: AnnotationModel.load(dir, () => '2026-05-01T10:00:00.000Z') };
}

test('counts by label, notes and annotators; re-read when the file changes', async () => {
  const { dir, model } = setup();
  assert.equal(labelCountsText(labelCounts(dir)), '');
  model.toggleLabel(d1, {}, 'persuasive', 'ann');
  model.toggleLabel(d2, { turn: 0, agent: 0 }, 'persuasive', 'bob');
  model.setNote(d2, {}, 'look again', 'ann');
  await model.save();
  const counts = labelCounts(dir);
  assert.deepEqual(counts, { total: 2, notes: 1, annotators: 2, byLabel: [{ label: 'persuasive', count: 2 }] });
  assert.equal(labelCountsText(counts), '2 labels · 1 note · 2 annotators');
  model.toggleLabel(d1, {}, 'stubborn', 'ann');
  await model.save();
  assert.equal(labelCounts(dir).total, 3);
});
