// One PPO minibatch as the optimizer steps run it, wherever they run: Policy.update in the main
// thread and an update worker (updateWorker.ts) both call runMinibatch, so the two paths cannot
// drift apart. The feeds are built once, in the main thread (Policy.minibatchFeeds); what stays the
// same from minibatch to minibatch (the temperature, a fed frozen base) is a model's constants.
import type { HostTensor } from '../../core/hostTensor';
import type { StepResult, TrainState, TrainStep } from '../../runtime/trainStep';

/** What changes from minibatch to minibatch: fresh arrays, which a worker may take over (transfer). */
export interface MinibatchFeeds {
  policy: Record<string, HostTensor>;
  /** A separate critic's: the same packed sequences, the returns and the old values. */
  critic?: Record<string, HostTensor>;
}

/**
 * A model's inputs besides the minibatch: fixed feeds, and with LoRA dropout the stream of its seed
 * (`dropout_seed` = 2·step + stream: the policy 0, its critic 1), so every step draws new masks and
 * the policy's never equal its critic's.
 */
export interface StepConstants {
  feeds: Record<string, HostTensor>;
  dropoutStream?: 0 | 1;
}

/** One trained model: its compiled step, its state (updated in place) and its constants. */
export interface ModelStep {
  step: TrainStep;
  state: TrainState;
  constants: StepConstants;
}

export interface MinibatchResult {
  /** The policy's result, with the critic's value loss; skipped if either step was. */
  result: StepResult;
  /** The policy's own step ran to new weights (the generation weights are then stale). */
  policyStepped: boolean;
}

/** The policy's optimizer step on a minibatch, then its separate critic's on the value loss. */
export async function runMinibatch(
  policy: ModelStep,
  critic: ModelStep | undefined,
  feeds: MinibatchFeeds,
  lr: number,
): Promise<MinibatchResult> {
  let result = await runStep(policy, feeds.policy, lr);
  const policyStepped = !result.skipped;
  if (critic) {
    if (!feeds.critic) throw new Error('runMinibatch: a separate critic needs its feeds');
    const c = await runStep(critic, feeds.critic, lr);
    result = { ...result, skipped: result.skipped || c.skipped, metrics: { ...result.metrics, valueLoss: c.metrics.valueLoss } };
  }
  return { result, policyStepped };
}

export async function runStep(m: ModelStep, batch: Record<string, HostTensor>, lr: number): Promise<StepResult> {
  const feeds = { ...batch, ...m.constants.feeds };
  if (m.constants.dropoutStream !== undefined)
    feeds.dropout_seed = {
      dtype: 'int64',
      shape: [],
      data: BigInt64Array.of(BigInt(m.state.step) * 2n + BigInt(m.constants.dropoutStream)),
    };
  return m.step.run(m.state, feeds, lr);
}
