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
    assert.match(line('F1:'), /\| yes \|$/);
    assert.match(line('F2: co-trained team, turn 3'), /\| yes \|$/);
    assert.match(line('F2: co-trained − off-the-shelf'), /\| yes \|$/);
    assert.match(line('F2: co-trained − trained alone'), /not run yet/);
    assert.match(line('F3:'), /\| yes \|$/); // alone 50 vs 50
    assert.ok(fs.existsSync(path.join(dir, 'accuracy-by-turn.svg')));
    assert.match(fs.readFileSync(path.join(dir, 'training-reward.svg'), 'utf8'), /^<svg/);
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
