// Rung 1 of the learning ladder (bench/ladder.ts), as a test: PPO on a ground-truth reward must make one
// SFT'd `tiny` agent better at arithmetic questions it never trained on, for two training seeds.
// Before the fix (one sample per question, T=1 log-probs for T=0.7 rollouts) the same agents lost
// 3-5 points here. The recipe is the ladder's (docs/results.md): 160 iterations of 32 fresh questions
// x 8 samples. The numbers are printed so a slow drift shows before the threshold trips.
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { runRung, type RungResult } from '../../../../bench/ladder/rung';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test(
  'rung 1: one agent, one turn, ground-truth reward: held-out accuracy and train reward rise over seeds',
  { timeout: 25 * 60_000 },
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-learning-'));
    try {
      const results: RungResult[] = [];
      for (const seed of [0, 1]) {
        results.push(
          await runRung({
            rung: 1,
            agentsDir: path.join(dir, 'agents'),
            seed,
            iterations: 160,
            questionsPerIteration: 32,
            evalQuestions: 500,
            evalSeeds: [1, 2],
            evalTemperature: 0.7,
            out: path.join(dir, `run-${seed}`),
            overrides: {
              // Fresh questions throughout: on 2000 training questions (each seen 2.5 times) the agent
              // fits answers instead of arithmetic, and training longer gained nothing.
              'task.nTrain': 50_000,
              'training.samplesPerQuestion': 8,
              'training.ppo.advantage': 'group',
              'training.ppo.minibatchSize': 64,
            },
          }),
        );
      }
      const gains = results.map((r) => mean(r.after) - mean(r.before));
      for (const r of results) {
        const q = Math.floor(r.trainReward.length / 4);
        const early = mean(r.trainReward.slice(0, q)),
          late = mean(r.trainReward.slice(-q));
        t.diagnostic(
          `seed ${r.seed}: held-out ${(100 * mean(r.before)).toFixed(1)}% -> ${(100 * mean(r.after)).toFixed(1)}%, train reward ${early.toFixed(3)} -> ${late.toFixed(3)}`,
        );
        assert.ok(late > early, `seed ${r.seed}: train reward did not rise (${early.toFixed(3)} -> ${late.toFixed(3)})`);
      }
      // 500 questions x 2 sampling seeds: the standard error of one paired gain is about 1.5 points;
      // training runs spread more (this recipe: +7.2, +4.0, +8.6 for seeds 0-2, docs/results.md; the
      // same seed has moved by 2.7 points between builds). The issue's +5 is the bench's mean over
      // seeds; this floor is what two seeds clear with margin (their mean +5.6) and the old code (-3.5)
      // fails by far.
      assert.ok(mean(gains) >= 0.025, `mean held-out gain ${(100 * mean(gains)).toFixed(1)} points, want >= 2.5`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
