// The science suite's report: paired differences matched by seed and question, verdicts that
// follow the numbers, and a generated section that replaces itself without touching the rest.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { CellResult, EvalRecord } from '../../bench/experiments/cell';
import { BEGIN, END, loadCells, pairedDiff, renderSection, writeReport } from '../../bench/experiments/report';

/** A 3-turn team record whose majority is right on the first k[t] of n questions at turn t. */
function record(n: number, k: number[]): EvalRecord {
  return {
    turns: k.map((kt) => ({ majority: kt / n, meanAgent: kt / n, wrongToRight: 0, rightToWrong: 0 })),
    credit: k.map((kt) => Array.from({ length: n }, (_, q) => (q < kt ? 1 : 0))),
  };
}

function cell(row: string, seed: number, team: number[], alone = 50): CellResult {
  return {
    row,
    seed,
    setup: { train: 'none', evalQuestions: 100, scale: 1, evalTemperature: 0.7 },
    machine: 'test',
    finishedAt: '2026-01-01T00:00:00Z',
    seconds: { train: 60, eval: 30 },
    team: record(100, team),
    alone: record(100, [alone]),
    trainReward: [0.1, 0.2],
    verifierAuc: null,
  };
}

function writeCells(dir: string, cells: CellResult[]): void {
  for (const c of cells) {
    fs.mkdirSync(path.join(dir, c.row), { recursive: true });
    fs.writeFileSync(path.join(dir, c.row, `seed-${c.seed}.json`), JSON.stringify(c));
  }
}

test('paired differences match seeds and questions; the interval brackets the mean', () => {
  const a = [cell('maporl', 0, [50, 55, 60]), cell('maporl', 1, [52, 56, 62]), cell('maporl', 2, [50, 50, 50])];
  const b = [cell('off-the-shelf', 1, [50, 50, 50]), cell('off-the-shelf', 2, [50, 50, 50])];
  const d = pairedDiff(a, b, -1, -1)!;
  assert.deepEqual(d.seeds, [1, 2]);
  assert.deepEqual(
    d.perSeed.map((x) => +x.toFixed(3)),
    [0.12, 0],
  );
  assert.ok(d.ci[0] <= 0.06 && d.ci[1] >= 0.06 && d.ci[0] > 0, `ci ${d.ci}`); // 6 of 100 questions always better
  const within = pairedDiff(a, a, -1, 0)!;
  assert.deepEqual(
    within.perSeed.map((x) => +x.toFixed(2)),
    [0.1, 0.1, 0],
  );
  assert.equal(pairedDiff(a, [], -1, -1), null);
});

test('verdicts follow the numbers: a clear turn-3 gain holds F2, a flat team holds F1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    writeCells(
      dir,
      [0, 1, 2].flatMap((s) => [cell('off-the-shelf', s, [60, 55, 58]), cell('maporl', s, [60, 64 + s, 70 + s])]),
    );
    assert.equal(loadCells(dir).size, 2);
    const md = renderSection(dir);
    const line = (start: string) => md.split('\n').find((l) => l.startsWith(`| ${start}`))!;
    assert.match(line('F1: off-the-shelf'), /\| yes \|$/);
    assert.match(line('F2: co-trained team, turn 3'), /\| yes \|$/);
    assert.match(line('F2: co-trained − off-the-shelf'), /\| yes \|$/);
    assert.match(line('F2: co-trained − trained alone'), /not run yet/);
    assert.match(line('F3: co-trained agent alone'), /\| yes \|$/); // alone 50 vs 50
    assert.match(line('F2: control (pairsum), co-trained team'), /not run yet/);
    assert.ok(fs.existsSync(path.join(dir, 'accuracy-by-turn.svg')));
    assert.match(fs.readFileSync(path.join(dir, 'training-reward.svg'), 'utf8'), /^<svg/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the seed-level test: a gain as large as its seed spread over three seeds is not established (t = 1.73, p = 0.23)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    // turn 3 − turn 1 = 0, 1, 2 points: mean 1 = sd, the old "beyond the spread" rule's edge.
    writeCells(
      dir,
      [0, 1, 2].map((s) => cell('maporl', s, [60, 60, 60 + s])),
    );
    const line = renderSection(dir)
      .split('\n')
      .find((l) => l.startsWith('| F2: co-trained team, turn 3'))!;
    assert.match(line, /\| 3 \| \+1\.0 ± 1\.0 \| \[-1\.5, 3\.5\] \| 0\.225 \|/);
    assert.match(line, /\*\*no: not established\*\* \|$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('equal-compute voting enters the control rows, paired by seed and question', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    const withVoting = (c: CellResult, k: number) => ({ ...c, voting: record(100, [k]) });
    writeCells(
      dir,
      [0, 1, 2, 3, 4].flatMap((s) => [
        withVoting(cell('pairsum-off-the-shelf', s, [40, 41, 40]), 45),
        withVoting(cell('pairsum-maporl', s, [45, 60 + s, 70 + s]), 50),
      ]),
    );
    const lines = renderSection(dir).split('\n');
    const find = (start: string) => lines.find((l) => l.startsWith(`| ${start}`))!;
    assert.match(
      find('F2: control (pairsum), co-trained team, turn 3 − voting of as many co-trained'),
      /\| 5 \| \+22\.0 ± 1\.6 .*\| yes \|$/,
    );
    assert.match(
      find('F2: control (pairsum), co-trained team, turn 3 − voting of as many base'),
      /\| 5 \| \+27\.0 ± 1\.6 .*\| better \|$/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the mechanism table: one-right questions, how the last turn resolves them, moves per opportunity, adoption', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    // Two questions, 3 agents, 2 turns. q0: only agent 0 right at turn 1 (bits 0b001), all right at
    // turn 2; q1: all wrong, then agent 1 right. Moves: 2 + 1 wrong→right of 5 wrong answers, 0 of 1 right.
    const team: EvalRecord = {
      turns: [
        { majority: 0, meanAgent: 1 / 6, oracle: 0.5, wrongToRight: 0, rightToWrong: 0 },
        { majority: 0.5, meanAgent: 2 / 3, oracle: 1, wrongToRight: 3, rightToWrong: 0 },
      ],
      credit: [
        [0, 0],
        [1, 0],
      ],
      correct: [
        [0b001, 0b000],
        [0b111, 0b010],
      ],
      agents: 3,
      adoption: { rightOffered: 4, rightAdopted: 3, wrongOffered: 10, wrongAdopted: 1 },
    };
    const voting: EvalRecord = { turns: [], credit: [[0, 0]], correct: [[0b11, 0]], agents: 6 };
    writeCells(dir, [{ ...cell('pairsum-maporl', 0, [0, 50]), team, voting }]);
    const line = renderSection(dir)
      .split('\n')
      .find((l) => l.startsWith('| pairsum-maporl | 0 |'))!;
    assert.equal(line, '| pairsum-maporl | 0 | 50.0 | 1 | 100.0 | 33.3 | 60.0 | 0.0 | 75.0 / 10.0 |');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a turn-3 loss is reported as a failed finding, not hidden', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    writeCells(
      dir,
      [0, 1, 2].map((s) => cell('maporl', s, [62, 55, 52 - s])),
    );
    assert.match(renderSection(dir), /F2: co-trained team, turn 3 − turn 1.*\*\*no: turn 3 is worse\*\*/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the generated section replaces itself and keeps the hand-written text around it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    const md = path.join(dir, 'results.md');
    fs.writeFileSync(md, `# Results\n\nintro\n\n${BEGIN}\nold\n${END}\n\n## Diagnosis\nkept\n`);
    writeCells(path.join(dir, 'cells'), [cell('off-the-shelf', 0, [60, 55, 58])]);
    writeReport(md, path.join(dir, 'cells'));
    const text = fs.readFileSync(md, 'utf8');
    assert.ok(text.startsWith('# Results\n\nintro\n\n'));
    assert.ok(text.endsWith('\n\n## Diagnosis\nkept\n'));
    assert.ok(!text.includes('\nold\n'));
    assert.equal(text.split(BEGIN).length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the feedback row is judged against the verifier’s own picks and the base agents shown the same scores', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-exp-'));
  try {
    // Turn 3 at 60 + s; the verifier's pick of the team's turn-1 answers at 62 + s: the gain is the verifier's.
    const feedback = (s: number): CellResult => ({
      ...cell('pairsum-maporl-feedback', s, [50, 55, 60 + s]),
      team: { ...record(100, [50, 55, 60 + s]), verifierPick: record(100, [62 + s, 62, 62]).credit },
      voting: { ...record(100, [52]), verifierPick: record(100, [60 + s]).credit },
      baseTeam: record(100, [50, 52, 50 + (s % 2)]),
    });
    writeCells(dir, [0, 1, 2, 3, 4].map(feedback));
    const lines = renderSection(dir).split('\n');
    const find = (part: string) => lines.find((l) => l.includes(part))!;
    assert.match(find('with verifier scores shown, co-trained team, turn 3 − turn 1'), /\| 5 \| \+12\.0 ± 1\.6 .*\| yes \|$/);
    assert.match(find("turn 3 − the verifier's pick of its turn-1 answers"), /\| 5 \| −2\.0 ± 0\.0 .*\| worse \|$/);
    assert.match(
      find("the verifier's pick of as many co-trained samples"),
      /\| 5 \| \+0\.0 ± 0\.0 .*\| no difference established \|$/,
    );
    assert.match(find('co-trained − base agents with the same scores'), /| 5 \| +11\.6 ± 1\.7 .*\| yes \|$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
