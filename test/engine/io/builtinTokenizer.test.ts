import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BUILTIN_SPECIAL_IDS,
  BUILTIN_VOCAB_SIZE,
  builtinTokenizer,
  builtinTokenizerFiles,
  writeBuiltinTokenizer,
} from '../../../src/engine/io/builtinTokenizer';
import { Tokenizer } from '../../../src/engine/io/tokenizer';
import { syntheticWords } from '../../../src/engine/tasks/synthetic/vocab';

const tok = builtinTokenizer();

test('generated deterministically, written as HF files, and loaded through the common Tokenizer class', async () => {
  assert.deepEqual(builtinTokenizerFiles(), builtinTokenizerFiles());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maporl-builtin-'));
  writeBuiltinTokenizer(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['tokenizer.json', 'tokenizer_config.json']);
  const loaded = await Tokenizer.load(dir);
  assert.equal(loaded.vocabSize, BUILTIN_VOCAB_SIZE);
  assert.deepEqual(
    [loaded.padId, loaded.bosId, loaded.eosId],
    [BUILTIN_SPECIAL_IDS.pad, BUILTIN_SPECIAL_IDS.bos, BUILTIN_SPECIAL_IDS.eos],
  );
  const s = 'Ann has 3 bags of 4 pens.';
  assert.deepEqual(loaded.encode(s), tok.encode(s));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  assert.equal(json.model.type, 'BPE');
  assert.equal(Object.keys(json.model.vocab).length, BUILTIN_VOCAB_SIZE);
  assert.equal(new Set(Object.values(json.model.vocab)).size, BUILTIN_VOCAB_SIZE, 'ids are distinct');
});

test('any ASCII text, and Unicode, decodes back exactly', () => {
  let seed = 99;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  for (let i = 0; i < 300; i++) {
    const len = rand(60);
    let s = '';
    for (let j = 0; j < len; j++) {
      const r = rand(10);
      s += r === 0 ? '\n' : r === 1 ? ' ' : r === 2 ? '\t' : String.fromCharCode(32 + rand(95));
    }
    assert.equal(tok.decode(tok.encode(s, { addSpecialTokens: false })), s, JSON.stringify(s));
  }
  for (const s of ['héllo — 数字 🙂', '  two  spaces\r\n', '\\boxed{-3.5}', '']) {
    assert.equal(tok.decode(tok.encode(s, { addSpecialTokens: false })), s);
  }
});

test('task text is compact: whole words with their space, digits one by one', () => {
  const q = 'Ann has 3 bags of 4 pens. Bo gives Ann 5. How many pens now?';
  assert.deepEqual(tok.tokenize(q), [
    'Ann',
    'Ġhas',
    'Ġ',
    '3',
    'Ġbags',
    'Ġof',
    'Ġ',
    '4',
    'Ġpens',
    '.',
    'ĠBo',
    'Ġgives',
    'ĠAnn',
    'Ġ',
    '5',
    '.',
    'ĠHow',
    'Ġmany',
    'Ġpens',
    'Ġnow',
    '?',
  ]);
  assert.deepEqual(tok.tokenize('3*4=12. Answer: 12'), ['3', '*', '4', '=', '1', '2', '.', 'ĠAnswer', ':', 'Ġ', '1', '2']);
  assert.deepEqual(tok.tokenize('Hypothesis: Tom is not red.\nAnswer: contradiction'), [
    'Hypothesis',
    ':',
    'ĠTom',
    'Ġis',
    'Ġnot',
    'Ġred',
    '.',
    'Ċ',
    'Answer',
    ':',
    'Ġcontradiction',
  ]);
  assert.deepEqual(tok.tokenize('\\boxed{7}'), ['\\', 'boxed', '{', '7', '}']);
});

test('every word of the synthetic tasks is a single token after a space; no token merges a digit', () => {
  for (const w of syntheticWords()) assert.notEqual(tok.tokenToId(`Ġ${w}`), null, `"Ġ${w}" should be one token`);
  for (const w of ['entailment', 'neutral', 'contradiction', 'Answer', 'Premise', 'Hypothesis'])
    assert.notEqual(tok.tokenToId(w), null, w);
  for (let id = 0; id < tok.vocabSize; id++) {
    const t = tok.idToToken(id)!;
    if (/[0-9]/.test(t)) assert.equal(t.length, 1, `token "${t}" merges a digit`);
  }
});

test('special tokens: BOS added on request, skipped on request, ids as documented', () => {
  const ids = tok.encode('Hi');
  assert.equal(ids[0], BUILTIN_SPECIAL_IDS.bos);
  assert.deepEqual(tok.encode('Hi', { addSpecialTokens: false }), ids.slice(1));
  assert.equal(tok.decode([...ids, BUILTIN_SPECIAL_IDS.eos]), '<|bos|>Hi<|eos|>');
  assert.equal(tok.decode([...ids, BUILTIN_SPECIAL_IDS.eos, BUILTIN_SPECIAL_IDS.pad], { skipSpecialTokens: true }), 'Hi');
  assert.equal(tok.tokenToId('<|assistant|>'), BUILTIN_SPECIAL_IDS.assistant);
});

test('chat template: BOS, one role token per message, EOS after each, assistant prompt', () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Ann has 3 pens.' },
  ];
  const text = tok.applyChatTemplate(messages, { addGenerationPrompt: true })!;
  assert.equal(text, '<|bos|><|system|>Be brief.<|eos|><|user|>Ann has 3 pens.<|eos|><|assistant|>');
  const ids = tok.encode(text, { addSpecialTokens: false });
  const S = BUILTIN_SPECIAL_IDS;
  assert.deepEqual(
    ids.filter((i) => i < 6),
    [S.bos, S.system, S.eos, S.user, S.eos, S.assistant],
  );
  assert.equal(tok.applyChatTemplate(messages), '<|bos|><|system|>Be brief.<|eos|><|user|>Ann has 3 pens.<|eos|>');
  assert.throws(() => tok.applyChatTemplate([{ role: 'tool', content: 'x' }]), /unknown role: tool/);
});
