import { fixture, FIXTURES_DIR } from '../../helpers/fixtures';
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../../src/engine/io/errors';
import { Tokenizer } from '../../../src/engine/io/tokenizer';
import { builtinTokenizerFiles } from '../../../src/engine/io/builtinTokenizer';

// Shared read-only fixtures (../shared/fixtures next to the checkout, or $MAPORL_FIXTURES), used by
// path and never copied into the repository. Without them (a bare clone) these tests fail, naming
// the missing fixture (helpers/fixtures.ts).
const FIXTURES = path.join(FIXTURES_DIR, 'tokenizers');
const GPT2 = path.join(FIXTURES, 'gpt2');
const PHI2 = path.join(FIXTURES, 'phi-2');
const test = (name: string, fn: () => void | Promise<void>): void => {
  void nodeTest(name, () => {
    for (const f of [
      path.join('gpt2', 'tokenizer.json'),
      path.join('phi-2', 'tokenizer.json'),
      path.join('phi-2', 'tokenizer_config.json'),
    ])
      fixture('tokenizers', f);
    return fn();
  });
};
const CHECKED_TEXT = 'Hello world, 48 clips in April!';
const CHECKED_IDS = [15496, 995, 11, 4764, 19166, 287, 3035, 0];

test('GPT-2 and Phi-2 tokenizer.json encode the checked vector and decode it back', async () => {
  for (const dir of [GPT2, PHI2]) {
    const tok = await Tokenizer.load(dir);
    assert.deepEqual(tok.encode(CHECKED_TEXT), CHECKED_IDS, dir);
    assert.equal(tok.decode(CHECKED_IDS), CHECKED_TEXT);
  }
});

test('vocabulary lookups and sizes', () => {
  const gpt2 = Tokenizer.loadSync(GPT2);
  assert.equal(gpt2.vocabSize, 50257);
  assert.equal(gpt2.tokenToId('Hello'), 15496);
  assert.equal(gpt2.tokenToId('Ġworld'), 995);
  assert.equal(gpt2.idToToken(995), 'Ġworld');
  assert.equal(gpt2.tokenToId('no-such-token-here'), null);
  assert.equal(gpt2.idToToken(10 ** 7), null);
  assert.deepEqual(gpt2.tokenize('Hello world'), ['Hello', 'Ġworld']);
  const phi2 = Tokenizer.loadSync(PHI2);
  assert.equal(phi2.vocabSize, 50295, 'GPT-2 vocabulary plus added tokens 50257..50294');
});

test('special token ids: tokenizer_config.json first, then well-known names', () => {
  const phi2 = Tokenizer.loadSync(PHI2); // bos_token/eos_token "<|endoftext|>" in tokenizer_config.json
  assert.deepEqual([phi2.bosId, phi2.eosId, phi2.padId], [50256, 50256, null]);
  const gpt2 = Tokenizer.loadSync(GPT2); // no tokenizer_config.json: found by name
  assert.deepEqual([gpt2.bosId, gpt2.eosId], [50256, 50256]);
  const json = JSON.parse(fs.readFileSync(path.join(GPT2, 'tokenizer.json'), 'utf8'));
  const fromModel = Tokenizer.fromJson(json, {}, { modelConfig: { bos_token_id: 7, eos_token_id: [9, 10], pad_token_id: 3 } });
  assert.deepEqual([fromModel.bosId, fromModel.eosId, fromModel.padId], [7, 9, 3]);
  assert.throws(
    () => Tokenizer.fromJson(json, { eos_token: '<|nope|>' }, { source: 'm' }),
    /^ModelFileError: m: tokenizer_config\.json: special token "<\|nope\|>" is not in the vocabulary$/,
  );
});

test('decode: special tokens kept or skipped, empty input, ids out of range refused', () => {
  const tok = Tokenizer.loadSync(PHI2);
  const ids = [...tok.encode('Hi'), tok.eosId!];
  assert.equal(tok.decode(ids), 'Hi<|endoftext|>');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'Hi');
  assert.equal(tok.decode([]), '');
  assert.throws(() => tok.decode([tok.vocabSize]), RangeError);
  assert.throws(() => tok.decode([-1]), RangeError);
  assert.throws(() => tok.decode([1.5]), RangeError);
});

test('Phi-2 added tokens (runs of spaces) are matched as whole tokens', () => {
  const tok = Tokenizer.loadSync(PHI2);
  const spaces31 = ' '.repeat(31);
  const id = tok.tokenToId(spaces31);
  assert.equal(id, 50257);
  assert.ok(tok.encode(`a${spaces31}b`).includes(50257));
  assert.equal(tok.decode(tok.encode(`a${spaces31}b`)), `a${spaces31}b`);
});

test('chat template from tokenizer_config.json, with BOS/EOS strings and the generation prompt', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-tok-'));
  fs.copyFileSync(path.join(GPT2, 'tokenizer.json'), path.join(dir, 'tokenizer.json')); // temp dir, not the repo
  const template =
    "{{ bos_token }}{% for m in messages %}{{ '[' + m.role + '] ' + m.content + eos_token + '\\n' }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '[assistant] ' }}{% endif %}";
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ eos_token: '<|endoftext|>', bos_token: '<|endoftext|>', chat_template: template }),
  );
  const tok = Tokenizer.loadSync(dir);
  assert.equal(tok.chatTemplate, template);
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is 2+3?' },
  ];
  assert.equal(
    tok.applyChatTemplate(messages),
    '<|endoftext|>[system] Be brief.<|endoftext|>\n[user] What is 2+3?<|endoftext|>\n',
  );
  const prompt = tok.applyChatTemplate(messages, { addGenerationPrompt: true })!;
  assert.ok(prompt.endsWith('[assistant] '));
  const ids = tok.encode(prompt, { addSpecialTokens: false });
  assert.equal(ids[0], 50256, 'the BOS string in the template becomes the special token');
  assert.equal(ids.filter((i) => i === 50256).length, 3);

  // A list of named templates picks "default"; a chat_template.jinja file is used when the config has none.
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      chat_template: [
        { name: 'tool_use', template: 'T' },
        { name: 'default', template: 'D' },
      ],
    }),
  );
  assert.equal(Tokenizer.loadSync(dir).applyChatTemplate([]), 'D');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{}');
  fs.writeFileSync(path.join(dir, 'chat_template.jinja'), '{{ messages | length }}');
  assert.equal(Tokenizer.loadSync(dir).applyChatTemplate(messages), '2');
});

test('no chat template: applyChatTemplate gives null', () => {
  const tok = Tokenizer.loadSync(PHI2);
  assert.equal(tok.chatTemplate, null);
  assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'x' }]), null);
});

test('bad tokenizer directories are ModelFileErrors naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-tok-'));
  assert.throws(
    () => Tokenizer.loadSync(dir),
    (e: unknown) => e instanceof ModelFileError && /tokenizer\.json: cannot read \(ENOENT\)$/.test(e.message),
  );
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": ');
  assert.throws(() => Tokenizer.loadSync(dir), /tokenizer\.json: not valid JSON/);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": {"type": "BPE"}}');
  assert.throws(() => Tokenizer.loadSync(dir), /tokenizer\.json: cannot build the tokenizer/);
  fs.copyFileSync(path.join(GPT2, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for %}' }));
  assert.throws(() => Tokenizer.loadSync(dir), /: chat_template: /);
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: 3 }));
  assert.throws(() => Tokenizer.loadSync(dir), /tokenizer_config\.json: chat_template: expected a string/);
});

nodeTest(
  'a vocabulary that leaves pieces of the text without an id (no usable unk_token) is a ModelFileError on encode',
  async () => {
    const { tokenizerJson, tokenizerConfig } = builtinTokenizerFiles();
    const json = JSON.parse(JSON.stringify(tokenizerJson));
    // Found by the reader fuzzing (test/faults): a suffix no vocabulary entry carries makes every BPE lookup miss.
    json.model.end_of_word_suffix = '\u0000';
    json.model.unk_token = []; // not a token: no fallback either
    const tok = Tokenizer.fromJson(json, tokenizerConfig, { source: 'models/broken' });
    assert.throws(
      () => tok.encode('12 + 30 = 42'),
      (e: unknown) =>
        e instanceof ModelFileError && /models\/broken/.test(e.message) && /no id in the vocabulary/.test(e.message),
    );
    // The unmodified file encodes the same text to ids only.
    const good = Tokenizer.fromJson(tokenizerJson, tokenizerConfig, { source: 'models/good' });
    assert.ok(good.encode('12 + 30 = 42').every(Number.isInteger));
  },
);

nodeTest('an added token whose id lies outside the vocabulary is a ModelFileError naming its JSON path', () => {
  const { tokenizerJson, tokenizerConfig } = builtinTokenizerFiles();
  // Found by the reader fuzzing (test/faults, seed 487345): "<|bos|>" is also in the model's
  // vocabulary, so the vocabulary stayed 512 ids while encoding produced the added id, and decode
  // (or an embedding lookup) failed later with a RangeError.
  for (const id of [2016925260130555, -1]) {
    const json = JSON.parse(JSON.stringify(tokenizerJson));
    json.added_tokens[1].id = id;
    assert.throws(
      () => Tokenizer.fromJson(json, tokenizerConfig, { source: 'models/broken' }),
      (e: unknown) =>
        e instanceof ModelFileError &&
        e.message === `models/broken: tokenizer.json: added_tokens[1].id ${id} is outside the vocabulary's ids [0, 512)`,
      `id ${id}`,
    );
  }
});
