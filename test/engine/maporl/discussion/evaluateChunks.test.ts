// Long evaluations run in chunks of EVAL_CHUNK questions (bounded memory, progress after each):
// the first chunk samples exactly what an evaluation of those questions alone samples, the next
// ones carry on with seeds of their own, and progress counts every question once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LMRuntime } from '../../../../src/engine/generate/runtime';
import { groundTruthVerifier } from '../../../../src/engine/maporl/discussion/discussion';
import { EVAL_CHUNK, evaluate } from '../../../../src/engine/maporl/discussion/evaluate';
import { defaultPromptOptions } from '../../../../src/engine/maporl/discussion/prompts';
import { createPresetModel } from '../../../../src/engine/nn/model';
import { generateSplit } from '../../../../src/engine/tasks/synthetic';

test('evaluation in chunks: the first chunk as if alone, later chunks sampled afresh, progress per chunk', async () => {
  const lm = await LMRuntime.create(await createPresetModel('tiny', 3));
  try {
    const records = generateSplit('pairsum', 'test', EVAL_CHUNK + 3, 1);
    const options = {
      agents: 1,
      turns: 1,
      seed: 9,
      kind: 'pair' as const,
      prompt: defaultPromptOptions(),
      generation: { maxNewTokens: 3, temperature: 1, topP: 1, topK: 0 },
      modelFor: () => lm,
      verifier: groundTruthVerifier,
    };
    const seen: [number, number][] = [];
    const all = await evaluate(records, 0, options, (done, total) => seen.push([done, total]));
    assert.deepEqual(seen, [
      [EVAL_CHUNK, EVAL_CHUNK + 3],
      [EVAL_CHUNK + 3, EVAL_CHUNK + 3],
    ]);
    assert.equal(all.discussions.length, EVAL_CHUNK + 3);
    assert.deepEqual(
      all.discussions.map((d) => d.record.id),
      records.map((r) => r.id),
      'in question order',
    );
    const firstAlone = await evaluate(records.slice(0, EVAL_CHUNK), 0, options);
    const text = (r: typeof all) => r.discussions.map((d) => d.turns[0][0].text);
    assert.deepEqual(text(all).slice(0, EVAL_CHUNK), text(firstAlone), 'chunk 0 keeps the evaluation seed');
    const tailAlone = await evaluate(records.slice(EVAL_CHUNK), 0, options);
    assert.notDeepEqual(text(all).slice(EVAL_CHUNK), text(tailAlone), 'chunk 1 has a seed of its own');
  } finally {
    await lm.release();
  }
});
