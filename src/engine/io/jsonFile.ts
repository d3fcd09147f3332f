// Reading one JSON file of a model directory (config.json, adapter_config.json, ...).
import * as fs from 'node:fs';
import { ModelFileError } from './errors';

/** The parsed JSON of a model file; unreadable or invalid files are ModelFileErrors naming it. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  return json;
}
