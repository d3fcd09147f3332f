// verifier.humanLabels: responses labelled in an earlier run arrive in the learned verifier's
// training set, with their target and weight, next to the responses sampled from the base agents.
// The agents are a stand-in that answers each question right twice and wrong twice; the verifier
// is the real tiny one.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../../src/engine/maporl/config';
import type { RunDir } from '../../../../src/engine/maporl/run/runDir';
import type { Team } from '../../../../src/engine/maporl/ppo/team';
import { LearnedVerifier, type LabelledExample } from '../../../../src/engine/maporl/verifier/verifier';
import { setupVerifier } from '../../../../src/engine/maporl/train/verifierSetup';
import { createPresetModel } from '../../../../src/engine/nn/model';
import { loadTaskData } from '../../../../src/engine/tasks';
import { fakeRun, label, transcript } from '../../annotations/fakeRun';

test("responses labelled verifier-wrong or hallucinated join the verifier's training set with their weight", async () => {
  const earlier = fakeRun(
    [
      transcript('old', 5, [
        [0.9, true],
        [0.3, false],
        [0.8, false],
      ]),
    ],
    [
      label('old', 5, 0, 'verifier-wrong'),
      label('old', 5, 1, 'verifier-wrong'),
      label('old', 5, 2, 'hallucinated'),
      label('old', 5, 0, 'stubborn', 'bob'),
    ],
  );
  const config = parseConfig({
    task: { type: 'arith', nTrain: 8, nTest: 4 },
    eval: { questions: 4 },
    generation: { maxNewTokens: 8 },
    verifier: { trainSamples: 16, epochs: 1, batchSize: 32, humanLabels: { runs: [earlier], weight: 2 } },
  });
  const data = loadTaskData(config.task, config.seed);
  const { tokenizer } = await createPresetModel('tiny', 0);
  const answerOf = (prompt: number[]) => data.train.find((q) => tokenizer.decode(prompt).includes(q.question))!.answer;
  const lm = {
    model: { tokenizer },
    generate: async (prompts: number[][]) =>
      prompts.map((p, k) => ({
        text: `Answer: ${k % 4 < 2 ? answerOf(p) : '-1'}`,
        tokens: [],
        logprobs: [],
        finishReason: 'stop',
      })),
  };
  const trained: LabelledExample[][] = [];
  const original = LearnedVerifier.prototype.train;
  LearnedVerifier.prototype.train = function (examples, o) {
    trained.push(examples);
    return original.call(this, examples, o);
  };
  try {
    const setup = await setupVerifier({
      config,
      data,
      team: { policies: [{ lm }] } as unknown as Team,
      run: { log: () => undefined } as unknown as RunDir,
      runtime: {},
      baseDir: dirname(earlier),
      resumeFrom: null,
      say: () => undefined,
    });
    await setup.release();
    assert.equal(trained.length, 1);
    const human = trained[0].filter((x) => x.question === 'question old');
    assert.deepEqual(
      human.map((x) => [x.response, x.correct, x.weight]),
      [
        ['agent 0 says 7', false, 2],
        ['agent 1 says 8', true, 2],
        ['agent 2 says 8', false, 2],
      ],
    );
    const sampled = trained[0].filter((x) => x.question !== 'question old');
    assert.equal(sampled.length, 12, '3 training questions × 4 balanced samples');
    assert.ok(sampled.every((x) => x.weight === undefined));
    assert.equal(setup.report?.verifierHumanExamples, 3);
  } finally {
    LearnedVerifier.prototype.train = original;
    rmSync(earlier, { recursive: true, force: true });
  }
});
