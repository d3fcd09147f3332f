// `maporl sft --data FILE`: JSONL, one {"prompt": string, "completion": string} object a line
// (other fields ignored, blank lines skipped). Errors are one line: `<file>:<line>: <problem>`.
import { DataError, parseJsonl, readText } from '../tasks/jsonl';

export interface SftExample {
  prompt: string;
  completion: string;
  source: { file: string; line: number };
}

export function readSftJsonl(file: string): SftExample[] {
  const examples = parseJsonl(file, readText(file)).map(({ line, value }) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(
        file,
        line,
        `expected an object {"prompt", "completion"}, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
      );
    }
    const v = value as Record<string, unknown>;
    for (const field of ['prompt', 'completion'] as const) {
      if (!(field in v)) throw new DataError(file, line, `missing field "${field}"`);
      if (typeof v[field] !== 'string')
        throw new DataError(file, line, `field "${field}" must be a string, got ${JSON.stringify(v[field])?.slice(0, 40)}`);
    }
    if ((v.completion as string).length === 0)
      throw new DataError(file, line, 'field "completion" is empty (nothing to train on)');
    return { prompt: v.prompt as string, completion: v.completion as string, source: { file, line } };
  });
  if (examples.length === 0) throw new DataError(file, null, 'no examples (the file is empty)');
  return examples;
}
