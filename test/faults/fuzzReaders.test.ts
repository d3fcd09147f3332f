// Every reader of user files, fed generated and mutated input, either returns or throws one of the
// errors the CLI reports as bad input (exit 2, one line), within a few seconds; it never crashes with
// a TypeError or RangeError, and never hangs. Readers: the experiment config (as a value and as a
// file), the JSONL task loaders, the SFT data loader, safetensors, config.json, tokenizer.json, and
// the run-record validators (which must return a reason, never throw). Seeded: a fixed number of
// cases in `npm test`, more in `npm run test:faults`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isBadInput } from '../../src/cli/errors';
import { builtinTokenizerFiles } from '../../src/engine/io/builtinTokenizer';
import { completeModelConfig, hfConfigJson, parseHfConfig } from '../../src/engine/io/hfConfig';
import { SafetensorsReader, serializeSafetensors } from '../../src/engine/io/safetensors';
import { Tokenizer } from '../../src/engine/io/tokenizer';
import { crossCheckConfig, loadConfig, parseConfig } from '../../src/engine/maporl/config';
import { PRESETS } from '../../src/engine/nn/presets';
import { readSftJsonl } from '../../src/engine/sft/data';
import { loadJsonlTask } from '../../src/engine/tasks/loaders';
import { parseAnnotations } from '../../src/protocol/annotations';
import { validateComparisonResult } from '../../src/protocol/comparison';
import { validateRunEvent, validateRunSummary, validateTranscriptRecord } from '../../src/protocol/runRecords';
import { announce, fuzzParams, jsonlText, mutatedBytes, mutatedJson, nastyJson, quick } from '../helpers/fuzz';
import { TINY_CONFIG } from '../helpers/tinyRun';

const root = fs.mkdtempSync(path.join(tmpdir(), 'maporl-fuzz-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
announce();

/** `f` returns, or throws an error the CLI reports as bad input with a non-empty first line. */
function returnsOrBadInput(what: string, f: () => unknown): void {
  try {
    quick(what, f);
  } catch (err) {
    if (!isBadInput(err)) throw new Error(`${what}: threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    assert.ok((err as Error).message.split('\n')[0].length > 0, `${what}: an empty message`);
  }
}

let n = 0;
/** A fresh file under the test's folder holding `content`. */
function file(name: string, content: string | Uint8Array): string {
  const f = path.join(root, `${n++}-${name}`);
  fs.writeFileSync(f, content);
  return f;
}

test('config: mutated and random values give a config or a ConfigError, and a parsed config cross-checks without throwing', () => {
  fc.assert(
    fc.property(fc.oneof(mutatedJson(TINY_CONFIG), nastyJson), (value) => {
      returnsOrBadInput('parseConfig', () => crossCheckConfig(parseConfig(value, 'fuzz.maporl.json')));
    }),
    fuzzParams(),
  );
});

test('config file: mutated bytes of a valid file give a config or a ConfigError', () => {
  const valid = new TextEncoder().encode(JSON.stringify(TINY_CONFIG, null, 2));
  fc.assert(
    fc.property(mutatedBytes(valid), (bytes) => {
      returnsOrBadInput('loadConfig', () => loadConfig(file('x.maporl.json', bytes)));
    }),
    fuzzParams(),
  );
});

const TASK_RECORDS = {
  gsm8k: [{ question: 'What is 2 + 3?', answer: 'Add them.\n#### 5' }],
  'nli-jsonl': [
    { premise: 'A dog runs.', hypothesis: 'An animal moves.', label: 'entailment' },
    { premise: 'p', hypothesis: 'h', label: 1 },
  ],
  generic: [{ question: 'Capital of France?', answer: 'Paris' }],
} as const;

test('JSONL task loaders: generated lines give records or a DataError, with and without skipInvalid', () => {
  const types = Object.keys(TASK_RECORDS) as (keyof typeof TASK_RECORDS)[];
  fc.assert(
    fc.property(
      fc.constantFrom(...types),
      fc.boolean(),
      fc.option(fc.nat({ max: 5 }), { nil: undefined }),
      fc.constantFrom(...types).chain((t) => jsonlText([...TASK_RECORDS[t]])),
      (type, skipInvalid, limit, text) => {
        returnsOrBadInput(`loadJsonlTask(${type})`, () => loadJsonlTask(type, file('data.jsonl', text), { skipInvalid, limit }));
      },
    ),
    fuzzParams(),
  );
});

test('SFT data: generated lines give examples or a DataError', () => {
  fc.assert(
    fc.property(
      jsonlText([
        { prompt: 'Q: 1+1?\nA:', completion: ' 2' },
        { prompt: '', completion: 'x' },
      ]),
      (text) => {
        returnsOrBadInput('readSftJsonl', () => readSftJsonl(file('sft.jsonl', text)));
      },
    ),
    fuzzParams(),
  );
});

test('safetensors: mutated files give tensors or a ModelFileError, from a buffer and from a file', () => {
  const valid = serializeSafetensors(
    {
      'model.embed_tokens.weight': { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) },
      half: { dtype: 'F16', shape: [2], data: Uint16Array.of(0x3c00, 0xc000) },
      ids: { shape: [2], data: BigInt64Array.of(1n, -2n) },
      empty: { shape: [0, 5], data: new Float32Array(0) },
    },
    { format: 'pt' },
  );
  const readAll = (r: SafetensorsReader) => {
    try {
      for (const name of r.names()) {
        const t = r.read(name);
        if (t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'F64') r.readAsFloat32(name);
      }
    } finally {
      r.close();
    }
  };
  fc.assert(
    fc.property(mutatedBytes(valid), (bytes) => {
      returnsOrBadInput('SafetensorsReader.fromBuffer', () => readAll(SafetensorsReader.fromBuffer(bytes)));
      returnsOrBadInput('SafetensorsReader.open', () => readAll(SafetensorsReader.open(file('w.safetensors', bytes))));
    }),
    fuzzParams(),
  );
});

test('config.json: mutated model configs give a ModelConfig or a ModelFileError', () => {
  const valid = hfConfigJson(completeModelConfig({ ...PRESETS.tiny(300), bosTokenId: 1, eosTokenId: 2, padTokenId: 0 }));
  fc.assert(
    fc.property(fc.oneof(mutatedJson(valid), nastyJson), (value) => {
      returnsOrBadInput('parseHfConfig', () => parseHfConfig(value, 'config.json'));
    }),
    fuzzParams(),
  );
});

test('tokenizer.json: mutated tokenizers give a tokenizer (that encodes) or a ModelFileError', () => {
  const { tokenizerJson, tokenizerConfig } = builtinTokenizerFiles();
  const tok = JSON.parse(JSON.stringify(tokenizerJson));
  const cfg = JSON.parse(JSON.stringify(tokenizerConfig));
  // Tokenizers are costly to build: a quarter of the cases.
  const { seed, numRuns } = fuzzParams();
  fc.assert(
    fc.property(
      fc.oneof(
        mutatedJson(tok).map((t) => [t, cfg]),
        mutatedJson(cfg).map((c) => [tok, c]),
      ),
      ([t, c]) => {
        returnsOrBadInput('Tokenizer.fromJson', () => {
          const tokenizer = Tokenizer.fromJson(t, c as Record<string, unknown>, { source: 'fuzz' });
          tokenizer.decode(tokenizer.encode('12 + 30 = 42'));
        });
      },
    ),
    { seed, numRuns: Math.max(10, numRuns >> 2) },
  );
});

test('run-record validators and the annotations parser return a reason for any value, never throw', () => {
  const event = { type: 'metrics', split: 'train', step: 1, time: '2024-01-01T00:00:00Z', reward: 0.5 };
  const transcript = {
    id: 'q1',
    step: 1,
    split: 'train',
    question: 'q',
    answer: '1',
    turns: [[{ agent: 0, text: 't', answer: '1', correct: true, verifier: 1, reward: 1 }]],
    majority: ['1'],
    majorityCorrect: [true],
  };
  fc.assert(
    fc.property(fc.oneof(mutatedJson(event), mutatedJson(transcript), fc.anything()), (value) => {
      for (const validate of [validateRunEvent, validateTranscriptRecord, validateRunSummary, validateComparisonResult]) {
        const r = quick(validate.name, () => validate(value));
        assert.ok(r === null || (typeof r === 'string' && r.length > 0));
      }
    }),
    fuzzParams(),
  );
  fc.assert(
    fc.property(
      jsonlText([
        { split: 'train', step: 1, id: 'q1', sample: 0, annotator: 'a', labels: ['persuasive'], time: '2024-01-01T00:00:00Z' },
      ]),
      (text) => {
        quick('parseAnnotations', () => parseAnnotations(text));
      },
    ),
    fuzzParams(),
  );
});
