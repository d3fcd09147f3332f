// Dynamic sampling (DAPO, Yu et al. 2025, §3.2) for MAPoRL's group baselines: a group is the samples
// of one question at one turn and agent (ppoUpdate.ts). When all its rewards are equal, every
// leave-one-out advantage is zero up to the KL term, so the group costs scoring and optimizer work
// and moves nothing — with strong agents most groups are like that (docs/results.md: 84% in the
// full-text rows). `training.dynamicSampling` keeps only groups whose rewards differ and samples
// further rounds of new questions until the update holds as many responses as one round makes.

/** What a rollout needs for grouping: its reward and where it sits. */
export interface Groupable {
  reward: number;
  question: number;
  turn: number;
  agent: number;
}

const groupKey = (r: Groupable) => `${r.question}/${r.turn}/${r.agent}`;

/**
 * The rollouts of groups whose rewards are not all equal, in their order, as whole groups: [groups]
 * of rollouts, in the order each group first appears. A group of one sample is never informative.
 */
export function informativeGroups<R extends Groupable>(rollouts: readonly R[]): R[][] {
  const groups = new Map<string, R[]>();
  for (const r of rollouts) {
    const g = groups.get(groupKey(r));
    if (g) g.push(r);
    else groups.set(groupKey(r), [r]);
  }
  return [...groups.values()].filter((g) => g.some((r) => r.reward !== g[0].reward));
}

/**
 * Whole groups, in order, until they hold at least `target` rollouts: DAPO fills its batch to a
 * fixed size and stops; a group is never split, since its baseline needs all its samples.
 */
export function fillToTarget<R>(groups: readonly R[][], target: number): R[] {
  const out: R[] = [];
  for (const g of groups) {
    if (out.length >= target) break;
    out.push(...g);
  }
  return out;
}
