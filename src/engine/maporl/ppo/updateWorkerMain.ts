// The entry of a PPO update worker (updateWorker.ts): compiles the policy's step (and a separate
// critic's, and its scoring graph when it scores here) once, then answers requests in order: an
// update runs its minibatches with runMinibatch, as Policy.update does in the main thread, and
// sends the states back (buffers transferred); scoring runs the scoring graph on each chunk;
// sampling runs a copy of the policy's generation runtime, made as the main thread makes its own.
import { parentPort, workerData } from 'node:worker_threads';
import type { HostTensor } from '../../core/hostTensor';
import { LMRuntime } from '../../generate/runtime';
import { builtinTokenizer } from '../../io/builtinTokenizer';
import { Tokenizer } from '../../io/tokenizer';
import { Session } from '../../runtime/session';
import { TrainStep } from '../../runtime/trainStep';
import { runMinibatch, type ModelStep } from './minibatch';
import {
  ownedStates,
  stateTensors,
  transferables,
  type GenerateRequest,
  type GenerationInit,
  type ScoreRequest,
  type UpdateRequest,
  type UpdateWorkerInit,
  type WorkerModel,
  type WorkerReply,
  type WorkerRequest,
} from './updateWorker';

const port = parentPort!;
const init = workerData as UpdateWorkerInit;
const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const compile = (m: WorkerModel) => TrainStep.fromModel(m.model, m.layout, init.runtime);
const t0 = performance.now();
const steps = Promise.all([compile(init.policy), init.critic && compile(init.critic)]);
const scoring = init.scoring && Session.create(init.scoring, init.runtime);
const generation = init.generation && generationRuntime(init.generation);
Promise.all([steps, scoring, generation]).then(
  () => reply({ kind: 'ready', compileMs: performance.now() - t0 }),
  (err) => reply({ kind: 'failed', error: message(err) }),
);

// One request at a time, in the order they came (a policy sends one at a time anyway).
let queue = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(() => (req.kind === 'update' ? update(req) : req.kind === 'score' ? score(req) : generate(req)));
});

async function update(req: UpdateRequest): Promise<void> {
  try {
    const [policyStep, criticStep] = await steps;
    const policy: ModelStep = { step: policyStep, state: req.states.policy, constants: init.policy.constants };
    const critic: ModelStep | undefined =
      criticStep && req.states.critic
        ? { step: criticStep, state: req.states.critic, constants: init.critic!.constants }
        : undefined;
    const results = [];
    for (const feeds of req.minibatches) results.push(await runMinibatch(policy, critic, feeds, req.lr));
    const states = ownedStates({ policy: policy.state, critic: critic?.state });
    reply({ kind: 'done', id: req.id, states, results }, transferables(stateTensors(states)));
  } catch (err) {
    reply({ kind: 'failed', id: req.id, error: message(err) });
  }
}

async function score(req: ScoreRequest): Promise<void> {
  try {
    if (!scoring) throw new Error('no scoring graph');
    const session = await scoring;
    const outputs: Record<string, HostTensor>[] = [];
    for (const run of req.runs) outputs.push(await session.run({ ...run, ...req.shared }));
    reply({ kind: 'scored', id: req.id, outputs }, transferables(outputs.flatMap((o) => Object.values(o))));
  } catch (err) {
    reply({ kind: 'failed', id: req.id, error: message(err) });
  }
}

function generationRuntime(g: GenerationInit): Promise<LMRuntime> {
  const tokenizer = 'dir' in g.tokenizer ? Tokenizer.loadSync(g.tokenizer.dir) : builtinTokenizer();
  return LMRuntime.create(
    { config: g.config, weights: g.weights, tokenizer },
    { trainable: g.trainable, runtime: init.runtime, frozenLimitBytes: g.frozenLimitBytes },
  );
}

async function generate(req: GenerateRequest): Promise<void> {
  try {
    if (!generation) throw new Error('no generation runtime');
    const lm = await generation;
    if (req.weights) lm.setWeights(req.weights);
    reply({ kind: 'generated', id: req.id, generations: await lm.generate(req.prompts, req.options) });
  } catch (err) {
    reply({ kind: 'failed', id: req.id, error: message(err) });
  }
}
