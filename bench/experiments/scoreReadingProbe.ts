// Do the scored pairsum agents read the verifier scores shown in a later-turn prompt? (issue 23,
// docs/results.md "Verifier-score feedback".) On held-out questions, each agent is shown one right
// pair and two near misses (tasks/proposals.ts), with a high score (0.90) on exactly one of the three
// and 0.10 on the others, in three arrangements: the high score on the right peer pair, on the agent's
// own wrong pair, or on the wrong peer pair. An agent that reads scores follows the high score; one
// that ignores them answers alike in all three. Writes docs/experiments/control/score-reading.json.
//   node --import tsx bench/experiments/scoreReadingProbe.ts MODEL_DIR
import * as fs from 'node:fs';
import { LMRuntime } from '../../src/engine/generate/runtime';
import { promptOptionsOf, renderPrompt } from '../../src/engine/maporl/discussion/prompts';
import { loadModel } from '../../src/engine/nn/model';
import { promptTokens } from '../../src/engine/prompts/tokens';
import { Rng } from '../../src/engine/core/random';
import { extractAnswer, labelledProposals } from '../../src/engine/tasks';
import { generateSplit } from '../../src/engine/tasks/synthetic';
import { EVAL_SPLIT_SEED, EVAL_TEMPERATURE, machineLabel, suiteConfig } from './cell';

const QUESTIONS = 500;
const HIGH = 0.9,
  LOW = 0.1;
const ARRANGEMENTS = ['right peer', 'own wrong', 'wrong peer'] as const;

async function main(): Promise<void> {
  const modelDir = process.argv[2];
  const config = suiteConfig(0, modelDir, {
    'task.type': 'pairsum',
    'discussion.feedVerifierScores': true,
    verifier: { type: 'learned', model: modelDir },
  });
  const opts = promptOptionsOf(config.discussion);
  const lm = await LMRuntime.create(await loadModel(modelDir));
  const rng = new Rng(3, 'score-reading');
  const records = generateSplit('pairsum', 'test', QUESTIONS, EVAL_SPLIT_SEED);
  // Per question: the right pair, the agent's own wrong pair and a peer's wrong pair (distinct near misses).
  const shown = records.flatMap((r) => {
    const misses = new Set<string>();
    for (let k = 0; k < 20 && misses.size < 2; k++) {
      const p = labelledProposals('pair', r, rng)[1];
      const a = p && extractAnswer('pair', p.response);
      if (a) misses.add(a);
    }
    return misses.size === 2 ? [{ r, right: r.answer, own: [...misses][0], peer: [...misses][1] }] : [];
  });
  const results: Record<string, { followsHigh: number; right: number; own: number; wrongPeer: number; other: number }> = {};
  for (const [k, arrangement] of ARRANGEMENTS.entries()) {
    const high = (i: number) => (i === k ? HIGH : LOW);
    const prompts = shown.map((s) =>
      promptTokens(
        lm.model.tokenizer,
        renderPrompt(
          {
            question: s.r.question,
            turn: 1,
            // Scores by the arrangement: 0 the right peer pair, 1 the own wrong pair, 2 the wrong peer pair.
            own: { answer: s.own, text: s.own, score: high(1) },
            others: [
              { answer: s.right, text: s.right, score: high(0) },
              { answer: s.peer, text: s.peer, score: high(2) },
            ],
          },
          opts,
        ),
      ),
    );
    const gens = await lm.generate(prompts, { ...config.generation, temperature: EVAL_TEMPERATURE, seed: 11 + k });
    const tally = { followsHigh: 0, right: 0, own: 0, wrongPeer: 0, other: 0 };
    gens.forEach((g, i) => {
      const a = extractAnswer('pair', g.text);
      const s = shown[i];
      const which = a === s.right ? 'right' : a === s.own ? 'own' : a === s.peer ? 'wrongPeer' : 'other';
      tally[which]++;
      if ((k === 0 && which === 'right') || (k === 1 && which === 'own') || (k === 2 && which === 'wrongPeer'))
        tally.followsHigh++;
    });
    results[arrangement] = Object.fromEntries(
      Object.entries(tally).map(([n, c]) => [n, +(c / shown.length).toFixed(3)]),
    ) as (typeof results)[string];
    console.error(`high score on the ${arrangement}: ${JSON.stringify(results[arrangement])}`);
  }
  await lm.release();
  const out = {
    what: `Share of ${shown.length} held-out pairsum questions (split seed ${EVAL_SPLIT_SEED}) on which the agent at turn 2 answers the right pair, its own wrong pair, the wrong peer pair or something else, when the score ${HIGH} is shown on one of the three and ${LOW} on the others (bench/experiments/scoreReadingProbe.ts; T ${EVAL_TEMPERATURE}). Wrong pairs are near misses of tasks/proposals.ts.`,
    model: modelDir,
    // The SFT recipe ensureBaseAgents wrote beside the model (bench/ladder.ts), when there is one.
    recipe: fs.existsSync(`${modelDir}/../../recipe.json`)
      ? JSON.parse(fs.readFileSync(`${modelDir}/../../recipe.json`, 'utf8'))
      : null,
    machine: machineLabel(),
    date: new Date().toISOString().slice(0, 10),
    questions: shown.length,
    byArrangement: results,
  };
  fs.writeFileSync('docs/experiments/control/score-reading.json', `${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
