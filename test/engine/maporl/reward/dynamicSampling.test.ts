// Dynamic sampling (training.dynamicSampling, DAPO): only groups whose rewards differ reach the PPO
// update, filled from further rounds of questions to one round's size.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { fillToTarget, informativeGroups, type Groupable } from '../../../../src/engine/maporl/reward/dynamicSampling';
import { DataOrder } from '../../../../src/engine/maporl/train/iteration';
import { parseConfig } from '../../../../src/engine/maporl/config';
import { MAPORL_ENV } from '../../../../src/protocol/environment';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const r = (question: number, turn: number, agent: number, reward: number): Groupable => ({ question, turn, agent, reward });

test('informativeGroups keeps whole groups whose rewards differ, in first-appearance order', () => {
  const rollouts = [
    r(0, 0, 0, 1),
    r(0, 0, 1, 0),
    r(1, 0, 0, 1),
    r(0, 0, 0, 0), // group 0/0/0 now mixed
    r(0, 0, 1, 0), // group 0/0/1 all 0
    r(1, 0, 0, 1), // group 1/0/0 all 1
    r(2, 1, 0, 0.5), // a group of one
  ];
  assert.deepEqual(informativeGroups(rollouts), [[rollouts[0], rollouts[3]]]);
});

test('informativeGroups: every kept group is mixed, and every mixed rollout is kept (property)', () => {
  const rollout = fc.record({
    question: fc.nat(3),
    turn: fc.nat(2),
    agent: fc.nat(2),
    reward: fc.constantFrom(-1, 0, 0.5, 1),
  });
  fc.assert(
    fc.property(fc.array(rollout, { maxLength: 60 }), (rs) => {
      const kept = informativeGroups(rs);
      for (const g of kept) assert.ok(new Set(g.map((x) => x.reward)).size > 1);
      const key = (x: Groupable) => `${x.question}/${x.turn}/${x.agent}`;
      const mixed = rs.filter((x) => new Set(rs.filter((y) => key(y) === key(x)).map((y) => y.reward)).size > 1);
      assert.deepEqual(new Set(kept.flat()), new Set(mixed));
      assert.equal(kept.flat().length, mixed.length);
    }),
  );
});

test('fillToTarget takes whole groups until the target is reached', () => {
  const groups = [
    [1, 2, 3],
    [4, 5],
    [6, 7, 8, 9],
  ];
  assert.deepEqual(fillToTarget(groups, 4), [1, 2, 3, 4, 5]);
  assert.deepEqual(fillToTarget(groups, 3), [1, 2, 3]);
  assert.deepEqual(fillToTarget(groups, 100), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(fillToTarget(groups, 0), []);
});

test('DataOrder: round 0 is the run order, later rounds draw other permutations', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    id: `q${i}`,
    question: `q${i}`,
    answer: `${i}`,
    source: { file: 'builtin:test/train', line: i + 1 },
  }));
  const order = new DataOrder(records, 3);
  assert.deepEqual(order.batch(2, 8), order.batch(2, 8, 0));
  assert.notDeepEqual(
    order.batch(2, 8, 1).map((q) => q.id),
    order.batch(2, 8).map((q) => q.id),
  );
  assert.deepEqual(new DataOrder(records, 3).batch(2, 8, 1), order.batch(2, 8, 1), 'rounds are reproducible');
});

test('dynamic sampling needs group advantages (one line naming the field)', () => {
  assert.throws(
    () => parseConfig({ training: { dynamicSampling: { maxRounds: 2 }, ppo: { advantage: 'gae' } } }, 'd.maporl.json'),
    /d\.maporl\.json: training\.dynamicSampling: .*advantage "group"/,
  );
});

test('a run with dynamic sampling trains on the mixed groups of its rounds, as many as one round makes', () => {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'maporl-dynamic-'));
  try {
    const k = 4,
      questions = 3;
    // Base agents after a short SFT: right, wrong and unparseable (format penalty) answers mix within
    // groups (untrained agents only ever earn the format penalty).
    const config = {
      seed: 2,
      task: { type: 'arith', nTrain: 200, nTest: 2 },
      baseAgents: { preset: 'tiny', steps: 300 },
      agents: { count: 2, models: ['base-agents'] },
      discussion: { turns: 2 },
      verifier: { type: 'ground-truth' },
      generation: { maxNewTokens: 32, temperature: 1 },
      training: {
        iterations: 2,
        questionsPerIteration: questions,
        samplesPerQuestion: k,
        dynamicSampling: { maxRounds: 3 },
        ppo: { minibatchSize: 16, epochs: 1 },
      },
      reward: { formatPenalty: -0.5 },
      eval: { questions: 2, every: 0 },
      checkpoint: { every: 0 },
    };
    const file = path.join(dir, 'x.maporl.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const out = path.join(dir, 'run');
    const run = spawnSync(process.execPath, [CLI, 'train', file, '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, [MAPORL_ENV.cacheDir]: path.join(dir, 'cache') },
    });
    assert.equal(run.status, 0, run.stderr);
    const jsonl = (f: string) =>
      fs
        .readFileSync(path.join(out, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const metrics = jsonl('events.jsonl').filter((e) => e.type === 'metrics' && e.split === 'train');
    const transcripts = jsonl('transcripts.jsonl').filter((t) => t.split === 'train');
    assert.equal(metrics.length, 2);
    const oneRound = questions * k * config.discussion.turns * config.agents.count;
    for (const m of metrics) {
      const { rounds, sampled, updated } = m.dynamicSampling;
      assert.ok(rounds >= 1 && rounds <= 3, `rounds ${rounds}`);
      assert.equal(sampled, rounds * oneRound);
      // Rebuild the groups from the transcripts: discussion i of the iteration answers question ⌊i/k⌋.
      const mine = transcripts.filter((t) => t.step === m.step);
      assert.equal(mine.length, rounds * questions * k, 'every round writes its discussions');
      const rollouts = mine.flatMap((t, i: number) =>
        t.turns.flatMap((row: { reward: number }[], turn: number) =>
          row.map((resp, agent) => r(Math.floor(i / k), turn, agent, resp.reward)),
        ),
      );
      const expected = fillToTarget(informativeGroups(rollouts), oneRound).length;
      assert.equal(updated, expected, `step ${m.step}: updated ${updated}, mixed groups make ${expected}`);
      if (rounds < 3) assert.ok(updated >= oneRound, 'stopped early only with a full update');
    }
    assert.ok(
      metrics.some((m) => m.dynamicSampling.updated > 0),
      'some group was mixed (else this test checks nothing)',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
