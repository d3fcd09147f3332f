// `maporl annotations export|stats|verifier-report` on run directories written by the test (no
// model): CSV quoting (RFC 4180) and the transcript join, JSONL, stats, and the verifier report on
// fabricated scores with a hand-computed AUC. The commands run in process.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAnnotations } from '../../src/cli/commands/annotations';
import { UsageError } from '../../src/cli/errors';
import { csvField } from '../../src/engine/annotations/exportFormats';
import { EXPORT_COLUMNS } from '../../src/engine/annotations/join';
import { fakeRun, label, TIME, transcript } from '../engine/annotations/fakeRun';

/** Runs `maporl annotations ARGS`, returning its exit code, stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '',
    stderr = '';
  const code = await runAnnotations(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** RFC 4180 records of a CSV text (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    field = '',
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

test('CSV fields with a comma, a quote or a line break are quoted, quotes doubled', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "7"'), '"say ""7"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(false), 'false');
  assert.equal(csvField(0.25), '0.25');
});

test('export joins each annotation with its transcript; unknown transcripts export empty, with one warning', async () => {
  const record = transcript('q1', 3, [
    [0.75, true],
    [0.25, false],
  ]);
  record.turns[0][1].text = 'I think "8", not 7,\nbecause';
  const dir = fakeRun(
    [record],
    [
      label('q1', 3, 1, 'stubborn'),
      { ...label('q1', 3, 0, 'persuasive', 'bob'), note: 'nice, "clear"' },
      { transcript: 'q1', step: 3, split: 'train', label: 'corrective', annotator: 'ann', time: TIME },
      label('gone', 3, 0, 'hallucinated'),
    ],
  );
  try {
    const csv = await run(['export', dir, '--format', 'csv']);
    assert.equal(csv.code, 0);
    assert.equal(
      csv.stderr,
      'warning: 1 annotation(s) on discussions not in transcripts.jsonl: exported with empty transcript fields\n',
    );
    const rows = parseCsv(csv.stdout);
    assert.deepEqual(rows[0], [...EXPORT_COLUMNS]);
    assert.equal(rows.length, 5);
    const byLabel = new Map(
      rows.slice(1).map((r) => [r[EXPORT_COLUMNS.indexOf('label')], Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, r[i]]))]),
    );
    assert.deepEqual(
      [
        'responseText',
        'responseAnswer',
        'responseCorrect',
        'responseVerifier',
        'responseReward',
        'question',
        'goldAnswer',
        'finalMajority',
        'finalMajorityCorrect',
      ].map((c) => byLabel.get('stubborn')![c]),
      ['I think "8", not 7,\nbecause', '8', 'false', '0.25', '', 'question q1', '7', '7', 'true'],
    );
    assert.equal(byLabel.get('persuasive')!.note, 'nice, "clear"');
    assert.deepEqual(
      [byLabel.get('corrective')!.turn, byLabel.get('corrective')!.responseText, byLabel.get('corrective')!.question],
      ['', '', 'question q1'],
    );
    assert.deepEqual(
      [byLabel.get('hallucinated')!.question, byLabel.get('hallucinated')!.responseText, byLabel.get('hallucinated')!.transcript],
      ['', '', 'gone'],
    );

    const out = join(dir, 'labels.jsonl');
    const jsonl = await run(['export', dir, '--format', 'jsonl', '--out', out]);
    assert.equal(jsonl.stdout, '');
    const objects = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(objects.length, 4);
    const stubborn = objects.find((o) => o.label === 'stubborn');
    assert.deepEqual(Object.keys(stubborn), [...EXPORT_COLUMNS]);
    assert.deepEqual([stubborn.responseCorrect, stubborn.responseVerifier, stubborn.responseReward], [false, 0.25, null]);
    assert.equal(objects.find((o) => o.label === 'hallucinated').question, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verifier report: AUC against the human judgement (the decision flipped where verifier-wrong) and against ground truth', async () => {
  // [score, correct]; decision = score >= 0.5. Flagged: r1 (decision right, human disagrees) and r2.
  const q1 = transcript('q1', 3, [
    [0.9, true],
    [0.8, true],
    [0.3, true],
  ]);
  const q2 = transcript(
    'q2',
    3,
    [
      [0.2, false],
      [0.6, true],
    ],
    { sample: 1 },
  );
  const onQ2 = (agent: number, l: string, who = 'ann') => ({ ...label('q2', 3, agent, l, who), sample: 1 });
  const dir = fakeRun(
    [q1, q2],
    [
      label('q1', 3, 0, 'persuasive'),
      label('q1', 3, 0, 'stubborn', 'bob'), // r0: kept (two labels, counted once)
      label('q1', 3, 1, 'verifier-wrong'),
      label('q1', 3, 1, 'stubborn', 'bob'), // r1: flagged by one annotator
      label('q1', 3, 2, 'verifier-wrong'), // r2
      onQ2(0, 'corrective'),
      onQ2(1, 'hallucinated'), // r3, r4: kept
      { transcript: 'q1', step: 3, split: 'train', label: 'verifier-wrong', annotator: 'ann', time: TIME }, // not a response
      label('q1', 3, 7, 'stubborn'),
      label('nope', 3, 0, 'stubborn'), // not found
    ],
    ['{"id": "half a line'],
  );
  try {
    const r = await run(['verifier-report', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      'warning: 1 annotation(s) name a turn or agent their discussion does not have (first: q1, turn 0, agent 7): left out\n' +
        `warning: skipped ${join(dir, 'transcripts.jsonl')}:3: not JSON\n`,
    );
    const rep = JSON.parse(r.stdout);
    // Human: correct {r0 0.9, r2 0.3, r4 0.6}, wrong {r1 0.8, r3 0.2}: 4 of 6 pairs ordered → 2/3.
    // Ground truth: correct {0.9, 0.8, 0.3, 0.6}, wrong {0.2}: all ordered → 1.
    assert.deepEqual(
      { ...rep, aucHuman: +rep.aucHuman.toFixed(6) },
      {
        verifierType: null,
        responses: 5,
        missing: 1, // "nope"; agent 7 of q1 is left out with a warning
        flagged: 2,
        humanCorrect: 3,
        humanWrong: 2,
        agreement: 0.6,
        aucHuman: +(4 / 6).toFixed(6),
        aucGroundTruth: 1,
        decisionAccuracy: 0.8,
        humanAccuracy: 0.8,
      },
    );
    const text = await run(['verifier-report', dir]);
    assert.match(text.stdout, /^5 labelled responses \(2 verifier-wrong\), 1 not found/);
    assert.match(text.stdout, /vs human judgement 0\.667, vs ground truth 1\.000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stats as JSON and as a table; broken lines are counted on stderr', async () => {
  const dir = fakeRun(
    [],
    [
      label('q1', 0, 0, 'stubborn', 'a'),
      label('q1', 0, 0, 'stubborn', 'b'),
      label('q1', 0, 1, 'persuasive', 'a'),
      label('q1', 0, 1, 'persuasive', 'b'),
    ],
  );
  try {
    appendFileSync(join(dir, 'annotations.jsonl'), 'oops\n');
    const r = await run(['stats', dir, '--json']);
    assert.equal(r.stderr, 'warning: 1 broken line(s) in annotations.jsonl skipped\n');
    const s = JSON.parse(r.stdout);
    assert.deepEqual([s.records, s.discussions, s.annotators], [4, 1, ['a', 'b']]);
    const stubborn = s.labels.find((l: { label: string }) => l.label === 'stubborn');
    assert.deepEqual([stubborn.count, stubborn.kappa], [2, 1]);
    const table = await run(['stats', dir]);
    assert.match(table.stdout, /^stubborn\s+2\s+1\.000\s+a 1, b 1$/m);
    assert.match(table.stdout, /^hallucinated\s+0\s+—\s*$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad usage is a UsageError (exit 2)', async () => {
  const dir = fakeRun([], []);
  try {
    await assert.rejects(run(['frobnicate', dir]), UsageError);
    await assert.rejects(run(['export', dir]), /--format must be csv or jsonl/);
    await assert.rejects(run(['stats', join(dir, 'missing')]), /not a directory/);
    const empty = await run(['export', dir, '--format', 'csv']);
    assert.equal(empty.stdout, `${EXPORT_COLUMNS.join(',')}\r\n`, 'no annotations: the header alone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV cells of model text: control characters neutralised, a spreadsheet formula is not run; numbers stay numbers', () => {
  assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvField('+1+2'), "'+1+2");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField('\t=1'), "'\t=1");
  assert.equal(csvField('bell\u0007 and \u001b[31mred'), 'bell\ufffd and \ufffd[31mred');
  assert.equal(csvField('-3'), '-3', 'a negative answer is a number');
  assert.equal(csvField(-0.5), '-0.5');
});

test('an exact duplicate counts once; a label on a turn or agent the discussion lacks is left out with a warning', async () => {
  const record = transcript('q1', 3, [
    [0.75, true],
    [0.25, false],
  ]);
  const dup = label('q1', 3, 1, 'stubborn');
  const dir = fakeRun([record], [dup, dup, { ...label('q1', 3, 0, 'persuasive'), turn: 99 }, label('q1', 3, 99, 'sycophantic')]);
  try {
    const s = await run(['stats', dir, '--json']);
    assert.equal(s.code, 0);
    const stats = JSON.parse(s.stdout) as { records: number; labels: { label: string; count: number }[] };
    assert.equal(stats.records, 1);
    assert.equal(stats.labels.find((l) => l.label === 'stubborn')?.count, 1);
    assert.equal(stats.labels.find((l) => l.label === 'sycophantic')?.count, 0);
    assert.match(s.stderr, /warning: 2 annotation\(s\) name a turn or agent their discussion does not have/);
    const e = await run(['export', dir, '--format', 'jsonl']);
    assert.equal(e.stdout.trim().split('\n').length, 2, 'the duplicate is exported as it is; the astray two are not');
    assert.match(e.stderr, /warning: 2 annotation\(s\) name a turn or agent/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an annotations.jsonl that is a directory is bad usage naming it', async () => {
  const dir = fakeRun([], []);
  try {
    rmSync(join(dir, 'annotations.jsonl'));
    mkdirSync(join(dir, 'annotations.jsonl'));
    await assert.rejects(run(['stats', dir]), (e) => e instanceof UsageError && /annotations\.jsonl: not a file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
