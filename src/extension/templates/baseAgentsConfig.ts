// Prepare Base Agents' pure piece: putting a prepared model directory into an experiment config in
// place of its "base-agents" stage. (Its progress comes as typed stage events: runData/baseStage.ts.)
import { BASE_AGENTS_MODEL } from '../../protocol/configSchema';
import type { Checked } from './userData';

/**
 * The config text with every "base-agents" model spec (agents.models, verifier.model) replaced by
 * `modelDir`, and the baseAgents section dropped (nothing uses it any more; the engine refuses an
 * unused one). 2-space JSON like the templates write; the problem when the text is not a config.
 */
export function useModelInConfig(text: string, modelDir: string): Checked<string> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, problem: `not valid JSON (${(e as Error).message}); fix it, then set agents.models to "${modelDir}"` };
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return { ok: false, problem: 'not a config object' };
  const swap = (spec: unknown) => (spec === BASE_AGENTS_MODEL ? modelDir : spec);
  const agents = { ...(config.agents as Record<string, unknown> | undefined) };
  const models = Array.isArray(agents.models) ? agents.models.map(swap) : [];
  agents.models = models.includes(modelDir) ? models : [modelDir];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'baseAgents') continue;
    if (k === 'agents') out[k] = agents;
    else if (k === 'verifier' && typeof v === 'object' && v !== null)
      out[k] = { ...v, ...('model' in v ? { model: swap((v as { model: unknown }).model) } : {}) };
    else out[k] = v;
  }
  if (!('agents' in out)) out.agents = agents;
  return { ok: true, value: `${JSON.stringify(out, null, 2)}\n` };
}
