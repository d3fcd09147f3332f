// The entry of a PPO update worker (updateWorker.ts): compiles the policy's step (and a separate
// critic's) once, then runs each request's minibatches in order with runMinibatch, as Policy.update
// does in the main thread, and sends the states back (buffers transferred).
import { parentPort, workerData } from 'node:worker_threads';
import { TrainStep } from '../../runtime/trainStep';
import { runMinibatch, type ModelStep } from './minibatch';
import {
  ownedStates,
  stateTensors,
  transferables,
  type UpdateRequest,
  type UpdateWorkerInit,
  type WorkerModel,
  type WorkerReply,
} from './updateWorker';

const port = parentPort!;
const init = workerData as UpdateWorkerInit;
const reply = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const compile = (m: WorkerModel) => TrainStep.fromModel(m.model, m.layout, init.runtime);
const t0 = performance.now();
const steps = Promise.all([compile(init.policy), init.critic && compile(init.critic)]);
steps.then(
  () => reply({ kind: 'ready', compileMs: performance.now() - t0 }),
  (err) => reply({ kind: 'failed', error: message(err) }),
);

port.on('message', (req: UpdateRequest) => void update(req));

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
