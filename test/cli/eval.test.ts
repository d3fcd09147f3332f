// `maporl eval` and `maporl train` as a user runs them: no ground-truth scores in prompts (they are
// the answer key), and a warning when greedy decoding makes the agents copies of each other.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertBadInput, maporl } from './run';

const root = mkdtempSync(join(tmpdir(), 'maporl-cli-eval-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run directory with config.json and one checkpoint that has a trainer state and nothing else. */
function fakeRun(name: string, config: object): string {
  const run = join(root, name);
  const ckpt = join(run, 'checkpoints', 'step-000001');
  mkdirSync(ckpt, { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify(config));
  writeFileSync(
    join(ckpt, 'trainer_state.json'),
    JSON.stringify({
      iteration: 1,
      policySharing: 'shared',
      policies: 1,
      agents: 3,
      turns: 3,
      optimizerSteps: [1],
      verifier: 'learned',
    }),
  );
  return run;
}

test('train refuses ground-truth verifier scores in prompts with exit 2 and the JSON path', () => {
  const file = join(root, 'leak.maporl.json');
  writeFileSync(file, JSON.stringify({ discussion: { feedVerifierScores: true }, verifier: { type: 'ground-truth' } }));
  assertBadInput(
    maporl(['train', file, '--out', join(root, 'leak-run')]),
    /leak\.maporl\.json: discussion\.feedVerifierScores: the ground-truth verifier's scores are the answer key/,
    'train',
  );
});

test('eval refuses a run that fed verifier scores when the checkpoint has no learned verifier', () => {
  const run = fakeRun('no-verifier', { discussion: { feedVerifierScores: true }, verifier: { type: 'learned' } });
  assertBadInput(
    maporl(['eval', '--checkpoint', run, '--questions', '2']),
    /step-000001: the run shows verifier scores in prompts .* no learned verifier; ground-truth scores would give away the answers/,
    'eval',
  );
  const gt = fakeRun('ground-truth', { discussion: { feedVerifierScores: true }, verifier: { type: 'ground-truth' } });
  assertBadInput(
    maporl(['eval', '--checkpoint', gt, '--questions', '2']),
    /config\.json: discussion\.feedVerifierScores: /,
    'eval of a ground-truth run',
  );
});

test('eval warns when greedy decoding meets agents that share one model, and samples by default', () => {
  const args = [
    'eval',
    '--model',
    'tiny',
    '--task',
    'arith',
    '--questions',
    '2',
    '--turns',
    '2',
    '--max-new-tokens',
    '2',
    '--json',
  ];
  const greedy = maporl([...args, '--temperature', '0']);
  assert.equal(greedy.code, 0, greedy.stderr);
  assert.match(greedy.stderr, /^warning: greedy decoding \(temperature 0\) with several agents on the same model/m);
  const sampled = maporl(args);
  assert.equal(sampled.code, 0, sampled.stderr);
  assert.doesNotMatch(sampled.stderr, /warning:/, 'the default samples (temperature 1)');
});

test('eval --json: the per-turn table with the oracle, peer answers taken, and who was right on each question', () => {
  const r = maporl([
    'eval',
    '--model',
    'tiny',
    '--task',
    'pairsum',
    '--questions',
    '3',
    '--turns',
    '2',
    '--max-new-tokens',
    '4',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    questions: number;
    turns: { oracle: number; majorityAccuracy: number }[];
    adoption: Record<string, number>;
    perQuestion: { id: string; source: { file: string; line: number }; answers: unknown[][]; correct: boolean[][] }[];
  };
  assert.equal(out.questions, 3);
  assert.equal(out.perQuestion.length, 3);
  assert.deepEqual(out.perQuestion[0].source, { file: 'builtin:pairsum/test', line: 1 });
  for (const q of out.perQuestion) {
    assert.equal(q.correct.length, 2, 'one row per turn');
    assert.ok(q.correct.every((row) => row.length === 3) && q.answers.every((row) => row.length === 3), 'one entry per agent');
  }
  out.turns.forEach((t, i) => {
    const anyRight = out.perQuestion.filter((q) => q.correct[i].some(Boolean)).length / 3;
    assert.equal(t.oracle, anyRight, `turn ${i + 1}: the oracle is the share of questions with an agent right`);
  });
  assert.deepEqual(Object.keys(out.adoption).sort(), ['rightAdopted', 'rightOffered', 'wrongAdopted', 'wrongOffered']);
});
