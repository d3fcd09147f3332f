// A model attends over at most `max_position_embeddings` positions (its RoPE table and the KV
// cache are sized by it). A prompt and its new tokens that do not fit are refused before any work,
// in one line naming the input or the config field: past the context ORT fails deep inside a run
// (a Reshape error), asks for tens of GB (scoring 40k tokens) or the process segfaults.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MaporlConfig } from '../../protocol/configSchema';
import { readHfConfig, type ModelConfig } from '../io/hfConfig';
import { PRESETS } from '../nn/presets';

/** Why `promptTokens` + `maxNewTokens` do not fit the model's context, or null when they do. */
export function contextProblem(
  config: Pick<ModelConfig, 'maxPositionEmbeddings'>,
  promptTokens: number,
  maxNewTokens: number,
): string | null {
  const limit = config.maxPositionEmbeddings;
  if (promptTokens + maxNewTokens <= limit) return null;
  return maxNewTokens > 0
    ? `${promptTokens} tokens + ${maxNewTokens} new tokens exceed the model's context (max_position_embeddings ${limit})`
    : `${promptTokens} tokens exceed the model's context (max_position_embeddings ${limit})`;
}

/** The context length of a model spec (a preset, a config's "base-agents", or a model directory), or null when unknown here. */
function contextOf(spec: string, config: MaporlConfig | undefined, baseDir: string): number | null {
  const preset = PRESETS[spec] ?? (spec === 'base-agents' && config?.baseAgents ? PRESETS[config.baseAgents.preset] : undefined);
  if (preset) return preset(1).maxPositionEmbeddings ?? null;
  const dir = path.resolve(baseDir, spec);
  if (!fs.existsSync(path.join(dir, 'config.json'))) return null; // the loader names a missing model later
  try {
    return readHfConfig(dir).maxPositionEmbeddings;
  } catch {
    return null; // a broken config.json: the loader reports it, naming the file
  }
}

/**
 * A problem with `generation.maxNewTokens` against the agents' context: a response must leave room
 * for at least one prompt token. Null when it fits (or the models cannot be read here).
 */
export function configContextIssue(config: MaporlConfig, baseDir: string): { path: string; message: string } | null {
  return newTokensIssue(config.agents.models, config.generation.maxNewTokens, config, baseDir);
}

/** The same check for models named directly (eval --model, a compare side) and any --max-new-tokens. */
export function newTokensIssue(
  specs: readonly string[],
  maxNew: number,
  config: MaporlConfig | undefined,
  baseDir: string,
): { path: string; message: string } | null {
  for (const spec of specs) {
    const limit = contextOf(spec, config, baseDir);
    if (limit !== null && maxNew >= limit)
      return {
        path: 'generation.maxNewTokens',
        message: `${maxNew} does not fit the context of model "${spec}" (max_position_embeddings ${limit}); it must be below that`,
      };
  }
  return null;
}
