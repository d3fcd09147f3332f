// How text becomes token ids: a prompt alone (the start of a generation) and a prompt with its
// completion (an SFT sequence), in the chat and the plain layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinTokenizer, builtinTokenizerFiles } from '../../../src/engine/io/builtinTokenizer';
import { Tokenizer } from '../../../src/engine/io/tokenizer';
import { padTokenId, promptTokens, sftExampleTokens } from '../../../src/engine/prompts/tokens';

test('chat layout: template(user prompt) + generation prompt, then completion + EOS; the loss boundary is exact', () => {
  const tok = builtinTokenizer();
  const ex = { prompt: 'Tom has 3 pens. How many pens does Tom have now?', completion: ' Answer: 3' };
  const seq = sftExampleTokens(tok, ex);
  const prompt = promptTokens(tok, ex.prompt);
  assert.deepEqual(seq.ids.slice(0, seq.promptLength), prompt, 'training and generation start the same');
  assert.equal(tok.decode(prompt), `<|bos|><|user|>${ex.prompt}<|eos|><|assistant|>`);
  assert.equal(tok.decode(seq.ids.slice(seq.promptLength)), ' Answer: 3<|eos|>');
});

test('plain layout without a chat template: BOS prompt | completion EOS', () => {
  const files = builtinTokenizerFiles();
  const { chat_template: _, ...config } = files.tokenizerConfig;
  const tok = Tokenizer.fromJson(files.tokenizerJson, config);
  const seq = sftExampleTokens(tok, { prompt: 'Q: 2 + 2', completion: ' 4' });
  assert.equal(tok.decode(seq.ids.slice(0, seq.promptLength)), '<|bos|>Q: 2 + 2');
  assert.equal(tok.decode(seq.ids.slice(seq.promptLength)), ' 4<|eos|>');
  assert.deepEqual(
    sftExampleTokens(builtinTokenizer(), { prompt: 'Q: 2 + 2', completion: ' 4' }, 'plain'),
    seq,
    'format "plain" forces it',
  );
  assert.throws(() => promptTokens(tok, 'x', 'chat'), /no chat template/);
});

test('the padding id: the pad token, else EOS, else 0', () => {
  assert.equal(padTokenId(builtinTokenizer()), 0, 'the built-in <|pad|>');
  assert.equal(padTokenId({ padId: null, eosId: 2 }), 2);
  assert.equal(padTokenId({ padId: null, eosId: null }), 0);
});
