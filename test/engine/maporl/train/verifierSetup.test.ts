// verifier.humanLabels: responses labelled in an earlier run arrive in the learned verifier's
// training set, with their target and weight, next to the responses sampled from the base agents.
// The agents are a stand-in that answers each question right twice and wrong twice; the verifier
// is the real tiny one.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseConfig, type MaporlConfig } from '../../../../src/engine/maporl/config';
import type { RunDir } from '../../../../src/engine/maporl/run/runDir';
import type { Team } from '../../../../src/engine/maporl/ppo/team';
import { LearnedVerifier, type LabelledExample } from '../../../../src/engine/maporl/verifier/verifier';
import { setupVerifier } from '../../../../src/engine/maporl/train/verifierSetup';
import { createPresetModel } from '../../../../src/engine/nn/model';
import { loadTaskData, type TaskData } from '../../../../src/engine/tasks';
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
  const { trained, setup } = await trainedOn(config, data, dirname(earlier));
  try {
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
    rmSync(earlier, { recursive: true, force: true });
  }
});

test('verifier.taskProposals: solutions and near misses of training questions outside the held-out ones join', async () => {
  const config = parseConfig({
    task: { type: 'pairsum', nTrain: 40, nTest: 4 },
    eval: { questions: 4 },
    generation: { maxNewTokens: 8 },
    verifier: { trainSamples: 40, taskProposals: 100, epochs: 1, batchSize: 64 },
  });
  const data = loadTaskData(config.task, config.seed);
  const { trained, setup, said } = await trainedOn(config, data, process.cwd());
  const sampledQuestions = new Set(trained[0].filter((x) => x.response.startsWith('Answer:')).map((x) => x.question));
  const proposals = trained[0].filter((x) => !x.response.startsWith('Answer:'));
  assert.equal(proposals.length, 100, '100 asked: 40 questions cycled');
  assert.equal(setup.report?.verifierTaskProposals, 100);
  const right = proposals.filter((x) => x.correct);
  assert.ok(right.every((x) => data.train.find((r) => r.question === x.question)?.solution === x.response));
  assert.ok(proposals.filter((x) => !x.correct).length >= 40, 'near misses beside the solutions');
  // 10 questions sampled for the agents' answers: 8 train the verifier, the held-out 2 give no proposal.
  const proposed = new Set(proposals.map((x) => x.question));
  const heldOut = [...new Set(data.train.map((r) => r.question))].filter((q) => !proposed.has(q));
  assert.equal(heldOut.length, 2);
  assert.equal(sampledQuestions.size, 8);
  assert.ok(heldOut.every((q) => !sampledQuestions.has(q)));
  assert.match(said.join('\n'), /100 labelled proposals/);
});

test('verifier.taskProposals on free-text answers fails before training, naming the setting', async () => {
  const config = parseConfig({
    task: { type: 'arith', nTrain: 8, nTest: 4 },
    eval: { questions: 4 },
    generation: { maxNewTokens: 8 },
    verifier: { trainSamples: 16, taskProposals: 10, epochs: 1 },
  });
  const data = { ...loadTaskData(config.task, config.seed), kind: 'text' as const };
  await assert.rejects(
    trainedOn(config, data, process.cwd()),
    /verifier\.taskProposals: task "arith" has none \(free-text answers/,
  );
});

/**
 * Runs setupVerifier with stand-in agents that answer each question right twice and wrong twice
 * (`Answer: <gold>` / `Answer: -1`) and records what the real tiny verifier is trained on.
 */
async function trainedOn(config: MaporlConfig, data: TaskData, baseDir: string) {
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
  const said: string[] = [];
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
      baseDir,
      resumeFrom: null,
      say: (l) => said.push(l),
    });
    await setup.release();
    return { trained, setup, said };
  } finally {
    LearnedVerifier.prototype.train = original;
  }
}
