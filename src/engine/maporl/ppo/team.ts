// The agents of an experiment and the policies behind them. Policy sharing (agents.policySharing):
// `shared` — one policy for all agents and turns; `per-agent` — one per agent (each may be a
// different model: a heterogeneous team); `per-turn` — one per turn, shared by the agents.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../io/errors';
import { createPresetModel, loadModel, type CausalLM } from '../../nn/model';
import type { LoraConfig } from '../../nn/lora';
import { PRESETS } from '../../nn/presets';
import type { RuntimeOptions } from '../../runtime/session';
import type { MaporlConfig } from '../config';
import { Policy, type BaseSource } from './policy';
import type { PpoHyper } from './ppoGraph';
import { WallShares } from './wallShares';

/** Where a model's tokenizer files come from when it is saved again. */
export interface TokenizerSource {
  dir?: string;
  files?: Record<string, string>;
}

export interface ResolvedModel {
  model: CausalLM;
  tokenizer: TokenizerSource;
  label: string;
  source: BaseSource;
}

/** A preset name or a model directory (relative to `baseDir`). */
export async function resolveModel(spec: string, seed: number, baseDir: string): Promise<ResolvedModel> {
  if (PRESETS[spec] && !fs.existsSync(path.resolve(baseDir, spec))) {
    const m = await createPresetModel(spec, seed);
    return { model: m, tokenizer: { files: m.tokenizerFiles }, label: `preset ${spec}`, source: { preset: spec, seed } };
  }
  const dir = path.resolve(baseDir, spec);
  if (!fs.existsSync(dir))
    throw new ModelFileError(
      dir,
      `model directory does not exist (and "${spec}" is not a preset: ${Object.keys(PRESETS).join(', ')})`,
    );
  return { model: await loadModel(dir), tokenizer: { dir }, label: dir, source: { dir } };
}

export type Sharing = MaporlConfig['agents']['policySharing'];
type ParallelUpdates = MaporlConfig['runtime']['parallelUpdates'];

export function policyCount(sharing: Sharing, agents: number, turns: number): number {
  return sharing === 'shared' ? 1 : sharing === 'per-agent' ? agents : turns;
}

export function policyIndex(sharing: Sharing, agent: number, turn: number): number {
  return sharing === 'shared' ? 0 : sharing === 'per-agent' ? agent : turn;
}

export class Team {
  constructor(
    readonly sharing: Sharing,
    readonly policies: Policy[],
    /** The base model of each policy (its reference), with its tokenizer source. */
    readonly bases: ResolvedModel[],
    /** ONNX Runtime threads of each policy's update worker; undefined when updates run in this thread. */
    readonly updateWorkerThreads?: number,
  ) {}

  policyOf(agent: number, turn: number): Policy {
    return this.policies[policyIndex(this.sharing, agent, turn)];
  }

  static async create(config: MaporlConfig, bases: ResolvedModel[], runtime: RuntimeOptions): Promise<Team> {
    const policies: Policy[] = [];
    const hyper = ppoHyper(config);
    const lora = loraConfig(config);
    for (const [i, b] of bases.entries()) {
      // Each policy's adapters start from their own seed; the base is shared (the same arrays) between policies of one model.
      policies.push(
        await Policy.create(`policy-${i}`, b.model, hyper, runtime, config.generation.temperature, {
          lora,
          seed: config.seed * 31 + i,
          source: b.source,
        }),
      );
    }
    // The training steps are compiled here, before the first iteration, so that iterations time runs
    // only: in update workers, or in this thread.
    const threads = updateWorkerThreads(policies, runtime, config.runtime.parallelUpdates);
    // The workers' generation calls of one turn run side by side: their wall time is shared out among them.
    const clock = new WallShares();
    await Promise.all(
      policies.map((p) => (threads !== undefined ? p.startUpdateWorker(threads, runtime, clock) : p.prepareUpdates())),
    );
    return new Team(config.agents.policySharing, policies, bases, threads);
  }

  async release(): Promise<void> {
    await Promise.all(this.policies.map((p) => p.release()));
  }
}

/**
 * Intra-op threads of each policy's update worker, or undefined when the updates stay in the main
 * thread: workers need `parallelUpdates` "auto", two policies or more, their steps on the CPU and
 * a thread budget (runtime.threads, 0: the machine's cores) of two or more, shared out evenly.
 */
export function updateWorkerThreads(policies: Policy[], runtime: RuntimeOptions, mode: ParallelUpdates): number | undefined {
  const budget = runtime.threads || os.availableParallelism();
  if (mode === 'off' || policies.length < 2 || budget < 2 || !policies.every((p) => p.canUpdateInWorker)) return undefined;
  return Math.max(1, Math.floor(budget / policies.length));
}

/** The PPO graph settings of a config. */
export function ppoHyper(config: MaporlConfig): PpoHyper {
  const p = config.training.ppo;
  return {
    clipRange: p.clipRange,
    vfClip: p.vfClip,
    vfCoef: p.vfCoef,
    maxGradNorm: p.maxGradNorm,
    critic: p.advantage === 'gae',
    criticPlacement: p.critic,
  };
}

/** The LoRA adapters of a config's policies (training.lora), or undefined for full fine-tuning. */
export function loraConfig(config: MaporlConfig): LoraConfig | undefined {
  const l = config.training.lora;
  if (!l) return undefined;
  const targets = l.targetModules;
  return {
    r: l.rank,
    alpha: l.alpha,
    dropout: l.dropout,
    targetModules: targets.includes('all-linear') ? 'all-linear' : targets,
  };
}

/** The base model of each policy: per-agent takes models[a] (or the one model); others the first. */
export async function resolveBases(config: MaporlConfig, baseDir: string, turns: number): Promise<ResolvedModel[]> {
  const n = policyCount(config.agents.policySharing, config.agents.count, turns);
  const cache = new Map<string, ResolvedModel>();
  const out: ResolvedModel[] = [];
  for (let i = 0; i < n; i++) {
    const spec =
      config.agents.policySharing === 'per-agent' && config.agents.models.length > 1
        ? config.agents.models[i]
        : config.agents.models[0];
    if (!cache.has(spec)) cache.set(spec, await resolveModel(spec, config.seed, baseDir));
    out.push(cache.get(spec)!);
  }
  return out;
}
