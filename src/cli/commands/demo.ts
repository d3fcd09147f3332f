// `maporl demo`: the embedded default job. Builds tiny base agents by SFT on the built-in
// arithmetic task, trains a verifier on their sampled answers, runs MAPoRL co-training, and prints
// the turn-by-turn evaluation before and after. Everything it makes stays in --out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../engine/maporl/config';
import { sftRecords, writeSftJsonl } from '../../engine/maporl/sftData';
import { ensureEmptyRunDir, installStopHandlers, train } from '../../engine/maporl/trainer';
import { createPresetModel, saveModel } from '../../engine/nn/model';
import { runSft, SFT_DEFAULTS } from '../../engine/sft/trainer';
import { Progress } from '../progress';
import { intOption, parse, type Command } from './command';

/** Sizes of the two demo variants; --quick fits in about three minutes on two CPU cores. */
const PLANS = {
  quick: { sftSteps: 700, verifierSamples: 384, iterations: 6, questions: 16, evalQuestions: 60 },
  full: { sftSteps: 1500, verifierSamples: 1200, iterations: 30, questions: 32, evalQuestions: 150 },
};

export const demo: Command = {
  summary: 'the embedded default: tiny agents, a learned verifier, MAPoRL, before/after table',
  usage: '[--quick] [--out DIR] [--seed N] [--force]',
  async run(args) {
    const { values } = parse(args, { quick: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, force: { type: 'boolean' } });
    const plan = values.quick ? PLANS.quick : PLANS.full;
    const seed = intOption(values.seed, '--seed', 0);
    const out = path.resolve(values.out ?? path.join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`));
    ensureEmptyRunDir(out, Boolean(values.force));
    const say = (line: string) => process.stderr.write(line + '\n');
    const t0 = Date.now();

    // 1. Base agents: a fresh `tiny` model fine-tuned on worked solutions.
    say(`[1/3] base agents: SFT of a tiny model on the built-in arithmetic task (${plan.sftSteps} steps)`);
    const init = path.join(out, 'agents', 'init');
    const fresh = await createPresetModel('tiny', seed);
    await saveModel(init, fresh, { tokenizerFiles: fresh.tokenizerFiles });
    const data = path.join(out, 'data');
    fs.mkdirSync(data, { recursive: true });
    writeSftJsonl(path.join(data, 'sft-train.jsonl'), sftRecords('arith', 'train', 4000, seed));
    writeSftJsonl(path.join(data, 'sft-heldout.jsonl'), sftRecords('arith', 'test', 200, seed));
    const sftProgress = new Progress('  sft', plan.sftSteps);
    const sft = await runSft({
      ...SFT_DEFAULTS, model: init, data: path.join(data, 'sft-train.jsonl'), evalData: path.join(data, 'sft-heldout.jsonl'),
      out: path.join(out, 'agents', 'sft'), epochs: 100, maxSteps: plan.sftSteps, lr: 3e-3, batchSize: 32,
      warmupSteps: 20, schedule: 'cosine', weightDecay: 0.01, saveEvery: 0, seed,
    }, { onStep: (s) => sftProgress.update(s.step, `loss ${s.loss.toFixed(3)}`) });
    say(`  held-out completion loss ${sft.heldOutLoss?.before?.toFixed(3)} -> ${sft.heldOutLoss?.after.toFixed(3)}`);

    // 2 + 3. Verifier and MAPoRL, as an ordinary experiment config the user can run again.
    const config = parseConfig({
      name: values.quick ? 'demo-quick' : 'demo', seed,
      task: { type: 'arith', nTrain: 2000, nTest: plan.evalQuestions },
      agents: { count: 3, models: [path.relative(out, sft.modelDir!)], policySharing: 'shared' },
      discussion: { turns: 3 },
      generation: { maxNewTokens: 48, temperature: 0.7 },
      verifier: { type: 'learned', model: path.relative(out, sft.modelDir!), trainSamples: plan.verifierSamples, epochs: 2, lr: 1e-3, batchSize: 16 },
      training: { mode: 'maporl', iterations: plan.iterations, questionsPerIteration: plan.questions, ppo: { epochs: 1, minibatchSize: 16, lr: 2e-4 } },
      eval: { every: 0, questions: plan.evalQuestions },
      checkpoint: { every: 0 },
    }, 'demo config');
    fs.writeFileSync(path.join(out, 'demo.maporl.json'), JSON.stringify(config, null, 2) + '\n');
    say(`[2/3] verifier and [3/3] MAPoRL: ${config.agents.count} agents, ${config.discussion.turns} turns, ${plan.iterations} iterations`);
    const progress = new Progress('  maporl', plan.iterations);
    const removeHandlers = installStopHandlers();
    try {
      const summary = await train({ config, baseDir: out, out: path.join(out, 'run'), say: (l) => say(l.replace(/^/gm, '  ')), onIteration: (d, n) => progress.update(d, `of ${n}`) });
      process.stdout.write(`\n${summary.status} in ${((Date.now() - t0) / 1000).toFixed(0)} s; run directory: ${path.join(out, 'run')}\n`);
      return summary.status === 'failed' ? 1 : 0;
    } finally {
      removeHandlers();
    }
  },
};
