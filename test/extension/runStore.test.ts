// The run store: lists the runs folder, follows a run from its files as another process appends, and
// feeds a run trained here from IPC only, re-reading the files when the job ends (nothing counted twice).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunUpdate } from '../../src/extension/runData/runStore';
import { RunStore } from '../../src/extension/runData/runStore';
import { appendStep, metricsEvent, writeFakeRun } from './fixtures/fakeRun';

function store(folder: string) {
  const problems: string[] = [];
  const s = new RunStore({ runsFolders: () => [folder], totalStepsOf: () => null, log: (m) => problems.push(m) });
  const updates: RunUpdate[] = [];
  s.onDidUpdateRun.event((u) => updates.push(u));
  let listChanges = 0;
  s.onDidChangeList.event(() => listChanges++);
  return { s, updates, problems, listChanges: () => listChanges };
}

test('lists runs and notices a new one and a status change', () => {
  const folder = mkdtempSync(join(tmpdir(), 'maporl-store-'));
  writeFakeRun(join(folder, 'a'), { steps: 3, status: 'finished' });
  const { s, listChanges } = store(folder);
  s.refreshList();
  assert.deepEqual(
    s.list().map((r) => [r.name, r.state.status]),
    [['a', 'finished']],
  );
  const before = listChanges();
  s.refreshList();
  assert.equal(listChanges(), before, 'nothing changed, no event');
  writeFakeRun(join(folder, 'b'), { steps: 2 });
  s.refreshList();
  assert.equal(listChanges(), before + 1);
  assert.equal(s.get(join(folder, 'b'))?.state.status, 'running');
});

test('a run written by another process is followed from its files', () => {
  const folder = mkdtempSync(join(tmpdir(), 'maporl-store-'));
  const dir = writeFakeRun(join(folder, 'cli-run'), { steps: 4 });
  const { s, updates } = store(folder);
  const handle = s.acquire(dir);
  assert.equal(handle.model.metrics.length, 4);
  appendStep(dir, 5);
  appendStep(dir, 6);
  s.poll();
  assert.deepEqual(
    updates.at(-1)?.delta.metrics.map((m) => m.step),
    [5, 6],
  );
  assert.equal(handle.model.transcripts.length, 6);
  handle.dispose();
});

test('a job of this window: IPC feeds the model, the files are not read twice, the end re-reads them', () => {
  const folder = mkdtempSync(join(tmpdir(), 'maporl-store-'));
  const dir = writeFakeRun(join(folder, 'resumed'), { steps: 3, status: 'stopped' });
  const { s, updates } = store(folder);
  const model = s.beginIpc(dir);
  assert.equal(model.metrics.length, 3, 'existing files read before the job starts');
  // The engine appends to the file and sends the same event over IPC.
  const ev = metricsEvent(4, 2, new Date());
  appendStep(dir, 4);
  s.ipcEvent(dir, ev);
  s.poll();
  assert.deepEqual(
    model.metrics.map((m) => m.step),
    [1, 2, 3, 4],
    'once, from IPC',
  );
  s.ipcEvent(dir, { type: 'status', step: 4, time: new Date().toISOString(), status: 'stopped' });
  assert.equal(model.state.status, 'stopped');
  s.endIpc(dir);
  assert.equal(model.source, 'files');
  assert.deepEqual(
    model.metrics.map((m) => m.step),
    [1, 2, 3, 4],
    'rebuilt from the files',
  );
  assert.equal(updates.at(-1)?.delta.restarted, true, 'views get a snapshot');
});
