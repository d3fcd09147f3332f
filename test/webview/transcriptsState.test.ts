// The transcripts page without DOM: filters (step ranges, outcome, changed, verifier disagreement,
// labels), keyboard movement over discussions, agent rows and turns, "next unlabelled", the bounded
// record cache, the saved view state, and the list geometry that lets only visible cards be drawn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Annotation } from '../../src/protocol/annotations';
import type { TranscriptRecord } from '../../src/protocol/runRecords';
import { discussionKey, summarizeDiscussion } from '../../src/protocol/transcriptsEditor';
import { CARD, cardAt, cardHeight, cardTops, scrollToShow, visibleRange } from '../../webview/transcripts/layout';
import {
  addRecords,
  DEFAULT_FILTER,
  emptyData,
  filtered,
  LABELLED,
  MAX_RECORDS,
  move,
  parseStepRange,
  restoreViewState,
  setAnnotations,
  UNLABELLED,
  upsertEntries,
  type Data,
} from '../../webview/transcripts/state';
import { transcript } from '../extension/fixtures/fakeRun';

const rec = (step: number, k: number, extra: Partial<TranscriptRecord> = {}) => ({
  ...(transcript(step, k, 2, 2) as unknown as TranscriptRecord),
  ...extra,
});
const label = (r: TranscriptRecord, l: string, annotator = 'me', at: Partial<Annotation> = {}): Annotation => ({
  transcript: r.id,
  step: r.step,
  split: r.split,
  label: l,
  annotator,
  time: '2026-01-01T00:00:00Z',
  ...at,
});

function data(records: TranscriptRecord[], annotations: Annotation[] = []): Data {
  const d = emptyData();
  d.annotator = 'me';
  d.labels = ['persuasive', 'stubborn'];
  upsertEntries(
    d,
    records.map((r, i) => summarizeDiscussion(r, i + 1)),
  );
  setAnnotations(d, annotations);
  return d;
}

const records = [rec(1, 1), rec(2, 2, { split: 'eval' }), rec(3, 3), rec(10, 4), rec(12, 5)];

test('filters: step ranges, split, final outcome, changed, disagreement, labels, search', () => {
  assert.deepEqual(parseStepRange('12'), [12, 12]);
  assert.deepEqual(parseStepRange(' 20 - 10 '), [10, 20]);
  assert.equal(parseStepRange('abc'), null);
  const d = data(records, [label(records[0], 'persuasive'), label(records[2], 'stubborn', 'bob')]);
  const keys = (f: Partial<typeof DEFAULT_FILTER>) => filtered(d, { ...DEFAULT_FILTER, ...f }).map((i) => d.entries[i].step);
  assert.deepEqual(keys({}), [1, 2, 3, 10, 12]);
  assert.deepEqual(keys({ step: '2-10' }), [2, 3, 10]);
  assert.deepEqual(keys({ split: 'eval' }), [2]);
  assert.deepEqual(keys({ label: 'persuasive' }), [1]);
  assert.deepEqual(keys({ label: LABELLED }), [1, 3]);
  assert.deepEqual(keys({ label: UNLABELLED }), [2, 3, 10, 12], "unlabelled by me: bob's label does not count");
  assert.deepEqual(keys({ search: 'question 4' }), [10]);
  const finals = d.entries.map((e) => e.majorityCorrect.at(-1));
  assert.deepEqual(
    keys({ outcome: 'correct' }),
    d.entries.filter((_, i) => finals[i] === true).map((e) => e.step),
  );
  const wrong = rec(20, 6);
  wrong.turns[0][0].verifier = 1 - wrong.turns[0][0].verifier;
  upsertEntries(d, [summarizeDiscussion(wrong, 6)]);
  assert.deepEqual(keys({ disagree: true }), [20]);
  assert.equal(keys({ changed: true }).length, d.entries.filter((e) => e.changed).length);
});

test('keyboard: j/k by discussion, rows down through agents, turns across, n to the next unlabelled', () => {
  const d = data(records, [label(records[1], 'persuasive'), label(records[2], 'stubborn', 'me', { turn: 0, agent: 0 })]);
  const list = filtered(d, DEFAULT_FILTER);
  const k = (i: number) => d.entries[i].key;
  let sel = move(d, list, null, 'nextDiscussion');
  assert.deepEqual(sel, { key: k(0) }, 'nothing selected: the first discussion');
  sel = move(d, list, sel, 'nextRow');
  assert.deepEqual(sel, { key: k(0), turn: 0, agent: 0 });
  sel = move(d, list, sel, 'nextTurn');
  assert.deepEqual(sel, { key: k(0), turn: 1, agent: 0 });
  assert.deepEqual(move(d, list, sel, 'nextTurn'), sel, 'the last turn stays');
  sel = move(d, list, sel, 'nextRow');
  assert.deepEqual(sel, { key: k(0), turn: 1, agent: 1 });
  sel = move(d, list, sel, 'nextRow');
  assert.deepEqual(sel, { key: k(1) }, 'past the last agent: the next discussion');
  sel = move(d, list, sel, 'previousRow');
  assert.deepEqual(sel, { key: k(0), turn: 1, agent: 1 }, "back into the previous discussion's last agent");
  assert.deepEqual(move(d, list, sel, 'discussion'), { key: k(0) });
  assert.deepEqual(
    move(d, list, { key: k(0) }, 'nextUnlabelled'),
    { key: k(3) },
    'skips the discussions I labelled (whole or a response)',
  );
  assert.deepEqual(move(d, list, { key: k(3) }, 'previousUnlabelled'), { key: k(0) });
  assert.deepEqual(move(d, list, { key: k(4) }, 'nextDiscussion'), { key: k(4) }, 'the end stays');
  assert.deepEqual(move(d, list, { key: k(2) }, 'last'), { key: k(4) });
  assert.equal(move(d, [], null, 'first'), null);
});

test('records are cached up to a bound, the oldest dropped; an entry that comes again drops its record', () => {
  const d = data(records);
  const many = Array.from({ length: MAX_RECORDS + 5 }, (_, i) => rec(100 + i, i));
  addRecords(d, many, discussionKey);
  assert.equal(d.records.size, MAX_RECORDS);
  assert.equal(d.records.has(discussionKey(many[0])), false);
  addRecords(d, [records[0]], discussionKey);
  upsertEntries(d, [summarizeDiscussion(records[0], 9)]);
  assert.equal(d.records.has(discussionKey(records[0])), false);
  assert.equal(d.entries.length, records.length, 'replaced in place');
});

test('the saved view state is kept for the same file only, and cleaned', () => {
  const saved = {
    version: 1,
    file: '/r/transcripts.jsonl',
    filter: { ...DEFAULT_FILTER, split: 'eval', outcome: 'bogus', step: 5 },
    selection: { key: 'k', agent: 1 },
    scrollTop: 120,
  };
  const v = restoreViewState(saved, '/r/transcripts.jsonl');
  assert.equal(v.filter.split, 'eval');
  assert.equal(v.filter.outcome, 'all');
  assert.equal(v.filter.step, '');
  assert.deepEqual(v.selection, { key: 'k' }, 'an agent without a turn is dropped');
  assert.equal(v.scrollTop, 120);
  assert.deepEqual(restoreViewState(saved, '/other/transcripts.jsonl').filter, DEFAULT_FILTER);
});

test('geometry: card tops from shapes alone, the cards in view, scrolling to a row', () => {
  const tops = cardTops([3, 3, 2, 5]);
  assert.equal(tops[1], cardHeight(3) + CARD.gap);
  assert.equal(tops[4], cardHeight(3) * 2 + cardHeight(2) + cardHeight(5) + 4 * CARD.gap);
  assert.equal(cardAt(tops, 0), 0);
  assert.equal(cardAt(tops, tops[2]), 2);
  assert.equal(cardAt(tops, tops[2] - 1), 1);
  assert.equal(cardAt(tops, 1e9), 3);
  assert.deepEqual(visibleRange(tops, tops[1] + 5, 10, 0), [1, 2]);
  assert.deepEqual(visibleRange(tops, 0, 1e6, 2), [0, 4]);
  assert.deepEqual(visibleRange(cardTops([]), 0, 100, 3), [0, 0]);
  const big = cardTops(Array(100_000).fill(3));
  assert.deepEqual(visibleRange(big, big[50_000], 900, 0), [50_000, 50_000 + Math.floor(900 / (cardHeight(3) + CARD.gap)) + 1]);
  assert.equal(scrollToShow(0, 500, 100, 50), 0, 'already in view');
  assert.equal(scrollToShow(0, 500, 600, 50), 158, 'below: scrolled just enough');
  assert.equal(scrollToShow(1000, 500, 200, 50), 192, 'above: scrolled up to it');
});
