// `maporl train --resume` from every boundary a kill can leave a run at ends with the records of an
// uninterrupted run, none twice and none missing; resuming a finished run changes nothing. Each
// boundary is made by cutting a finished run's files back to what they held at that moment (the
// order of writes: design.md, "Run directory").
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { comparable, lines, writeTinyConfig } from '../helpers/tinyRun';
import { maporl } from './run';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-resume-'));
const whole = path.join(root, 'whole');
after(() => fs.rmSync(root, { recursive: true, force: true }));

// 3 iterations, checkpoints at 0 and 2 and (the last) 3, evaluations at 0, 2 and after training (3).
before(() => {
  const r = maporl(['train', writeTinyConfig(root, { iterations: 3, checkpointEvery: 2 }), '--out', whole]);
  assert.equal(r.code, 0, r.stderr);
});

type Rec = Record<string, unknown>;
const events = (run: string) => lines(path.join(run, 'events.jsonl'));
const transcripts = (run: string) => lines(path.join(run, 'transcripts.jsonl'));
const at = (records: Rec[], match: (r: Rec) => boolean) => {
  const i = records.findIndex(match);
  assert.ok(i >= 0, 'the uninterrupted run has the record');
  return i;
};
const checkpointEvent = (step: number) => (e: Rec) => e.type === 'checkpoint' && e.step === step;
const finalEval = (r: Rec) => r.step === 3 && r.split === 'eval';

/** A copy of the finished run holding the first `nEvents` events and `nTranscripts` transcripts, without the listed files. */
function cutCopy(name: string, nEvents: number, nTranscripts: number, remove: string[]): string {
  const dir = path.join(root, name);
  fs.cpSync(whole, dir, { recursive: true });
  for (const [file, n] of [
    ['events.jsonl', nEvents],
    ['transcripts.jsonl', nTranscripts],
  ] as const) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    fs.writeFileSync(
      path.join(dir, file),
      text
        .slice(0, n)
        .map((l) => l + '\n')
        .join(''),
    );
  }
  for (const f of remove) fs.rmSync(path.join(dir, f), { recursive: true });
  return dir;
}

function assertSameRecords(run: string): void {
  assert.deepEqual(comparable(events(run)), comparable(events(whole)), 'metrics and checkpoint events');
  assert.deepEqual(transcripts(run), transcripts(whole), 'transcripts');
  const statuses = events(run).filter((e) => e.type === 'status');
  assert.equal(statuses.filter((e) => e.status === 'finished').length, 1, 'one finished status');
  assert.equal(statuses[statuses.length - 1].status, 'finished', 'finished last');
  assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8')).status, 'finished');
}

test('resuming a finished run prints one line, exits 0 and changes nothing', () => {
  const run = cutCopy('finished', Infinity, Infinity, []);
  const files = ['events.jsonl', 'transcripts.jsonl', 'summary.json'];
  const snapshot = () => [
    ...files.map((f) => fs.readFileSync(path.join(run, f), 'utf8')),
    fs.readdirSync(path.join(run, 'checkpoints')).join(),
  ];
  const was = snapshot();
  for (let k = 0; k < 3; k++) {
    const r = maporl(['train', '--resume', run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^already finished: .*finished \(nothing to resume\)\n$/);
    assert.equal(r.stderr, '');
  }
  assert.deepEqual(snapshot(), was);
});

const E = () => events(whole),
  T = () => transcripts(whole);
const boundaries: [string, () => string][] = [
  [
    'in an iteration after a checkpoint (step 3 half written)',
    () =>
      cutCopy('mid-iteration', at(E(), (e) => e.type === 'metrics' && e.step === 3) + 1, at(T(), (t) => t.step === 3) + 3, [
        'checkpoints/step-000003',
        'summary.json',
      ]),
  ],
  [
    'between an earlier checkpoint and its event',
    () =>
      cutCopy(
        'before-event-2',
        at(E(), checkpointEvent(2)),
        at(T(), (t) => t.step === 3),
        ['checkpoints/step-000003', 'summary.json'],
      ),
  ],
  [
    'between the last checkpoint and its event',
    () => cutCopy('before-event-3', at(E(), checkpointEvent(3)), at(T(), finalEval), ['summary.json']),
  ],
  [
    'after the last checkpoint, before the evaluation after training',
    () => cutCopy('before-final-eval', at(E(), checkpointEvent(3)) + 1, at(T(), finalEval), ['summary.json']),
  ],
  [
    'during the evaluation after training',
    () =>
      cutCopy('during-final-eval', at(E(), (e) => finalEval(e) && e.type === 'metrics') + 1, at(T(), finalEval) + 2, [
        'summary.json',
      ]),
  ],
  ['between the finished status and the summary', () => cutCopy('before-summary', Infinity, Infinity, ['summary.json'])],
];

for (const [where, make] of boundaries) {
  test(`a run killed ${where} resumes to the records of an uninterrupted run`, () => {
    const run = make();
    assert.ok(!fs.existsSync(path.join(run, 'summary.json')), 'not finished before the resume');
    const r = maporl(['train', '--resume', run]);
    assert.equal(r.code, 0, r.stderr);
    assertSameRecords(run);
  });
}
