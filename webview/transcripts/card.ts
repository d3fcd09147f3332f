// One discussion as a card: its question and metadata, then an agents × turns grid where each cell is
// one response (answer, ground-truth mark, verifier score, reward, a mark where the answer changed from
// the turn before and where the verifier disagrees with the ground truth, its labels), and the
// majority answer of every turn. Until its record arrives the card is drawn from the index alone.
// Clickable parts carry data-turn / data-agent; the list handles clicks for all cards at once.
import type { Annotation } from '../../src/protocol/annotations';
import type { TranscriptRecord, TranscriptResponseRecord } from '../../src/protocol/runRecords';
import { answerChangedAt, verifierDisagrees, type DiscussionSummary } from '../../src/protocol/transcriptsEditor';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { CARD, cardHeight } from './layout';
import type { Data, Selection } from './state';

const mark = (correct: boolean | null | undefined) =>
  correct === null || correct === undefined
    ? h('span', { class: 'mark unknown', title: 'not graded' }, '?')
    : h(
        'span',
        { class: `mark ${correct ? 'correct' : 'incorrect'}`, title: correct ? 'correct' : 'incorrect' },
        correct ? '✓' : '✗',
      );

/** Colour slot of a label (its place in the label set; labels outside it share the last slot). */
export function labelSlot(labels: readonly string[], label: string): number {
  const i = labels.indexOf(label);
  return i < 0 ? 6 : i % 6;
}

/** Small tags for labels (yours solid, others' outlined) and a pencil for notes. */
export function chips(list: readonly Annotation[], d: Data): HTMLElement {
  const box = h('span', { class: 'chips' });
  for (const a of list) {
    if (a.label !== undefined) {
      const mine = a.annotator === d.annotator;
      box.append(
        h(
          'span',
          { class: `chip c${labelSlot(d.labels, a.label)}${mine ? ' mine' : ''}`, title: `${a.label} — ${a.annotator}` },
          mine ? a.label : `${a.label} · ${a.annotator}`,
        ),
      );
    }
  }
  const notes = list.filter((a) => a.note !== undefined);
  if (notes.length)
    box.append(h('span', { class: 'chip note', title: notes.map((n) => `${n.annotator}: ${n.note}`).join('\n') }, '✎'));
  return box;
}

function responseCell(
  r: TranscriptRecord,
  turn: number,
  agent: number,
  own: Annotation[],
  d: Data,
  selected: boolean,
): HTMLElement {
  const resp: TranscriptResponseRecord | undefined = r.turns[turn]?.[agent];
  if (!resp) return h('div', { class: 'cell empty' });
  const changed = answerChangedAt(r, turn, agent);
  const before = changed ? r.turns[turn - 1][agent] : undefined;
  const direction = before ? (before.correct && !resp.correct ? ' broke' : !before.correct && resp.correct ? ' fixed' : '') : '';
  const disagrees = verifierDisagrees(resp);
  const cell = h(
    'div',
    {
      class: `cell ${resp.correct ? 'is-correct' : 'is-incorrect'}${changed ? ` changed${direction}` : ''}${selected ? ' selected' : ''}`,
      'data-turn': turn,
      'data-agent': agent,
      role: 'gridcell',
      'aria-selected': selected ? 'true' : 'false',
      title: `Agent ${resp.agent}, turn ${turn + 1}${before ? ` — changed from ${before.answer ?? '—'}` : ''}${disagrees ? ' — the verifier disagrees with the ground truth' : ''}`,
    },
    h(
      'div',
      { class: 'line answer-line' },
      h('span', { class: 'answer' }, resp.answer ?? '—'),
      mark(resp.correct),
      changed
        ? h(
            'span',
            { class: `delta${direction}`, 'aria-label': `changed from ${before?.answer ?? 'no answer'}` },
            `was ${before?.answer ?? '—'}`,
          )
        : '',
      disagrees ? h('span', { class: 'disagree', 'aria-label': 'verifier disagrees' }, 'verifier≠truth') : '',
    ),
    h(
      'div',
      { class: 'line scores' },
      `v ${formatValue(resp.verifier)} · r ${resp.reward === null ? '–' : formatValue(resp.reward)}`,
    ),
    h('div', { class: 'line' }, chips(own, d)),
  );
  return cell;
}

function placeholderCell(turn: number, agent: number, selected: boolean): HTMLElement {
  return h(
    'div',
    { class: `cell pending${selected ? ' selected' : ''}`, 'data-turn': turn, 'data-agent': agent, role: 'gridcell' },
    h('div', { class: 'line' }, '…'),
  );
}

export function renderCard(
  e: DiscussionSummary,
  record: TranscriptRecord | undefined,
  d: Data,
  sel: Selection | null,
): HTMLElement {
  const all = d.annotations.get(e.key) ?? [];
  const onTarget = (turn?: number, agent?: number) =>
    all.filter((a) => a.turn === turn && (turn === undefined || a.agent === agent));
  const isSelected = sel?.key === e.key;
  const final = e.majorityCorrect[e.majorityCorrect.length - 1];
  const wholeSelected = isSelected && sel?.turn === undefined;
  const head = h(
    'header',
    { class: `d-head${wholeSelected ? ' selected' : ''}`, 'data-whole': '' },
    h('div', { class: 'question', title: record?.question ?? e.question }, record?.question ?? e.question),
    h(
      'div',
      { class: 'meta' },
      h('span', {}, `#${e.line} · step ${e.step} · ${e.split}${e.sample ? ` · sample ${e.sample}` : ''} · gold `),
      h('span', { class: 'answer' }, e.answer),
      e.changed ? h('span', { class: 'flag', title: 'an agent changed its answer' }, 'Δ') : '',
      e.disagree
        ? h('span', { class: 'flag disagree', title: 'the verifier disagrees with the ground truth on a response' }, '≠')
        : '',
      chips(onTarget(), d),
    ),
  );

  const grid = h('div', { class: 'grid', role: 'grid', 'aria-label': 'Responses: agents by turns' });
  grid.style.gridTemplateColumns = `5.5em repeat(${e.turns}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `${CARD.turnsRow}px repeat(${e.agents}, ${CARD.agentRow}px) ${CARD.majorityRow - 8}px`;
  grid.append(h('div', { class: 'th corner' }, 'Agent'));
  for (let t = 0; t < e.turns; t++) grid.append(h('div', { class: 'th', role: 'columnheader' }, `Turn ${t + 1}`));
  for (let a = 0; a < e.agents; a++) {
    grid.append(h('div', { class: 'th rowhead', role: 'rowheader' }, `Agent ${record?.turns[0][a]?.agent ?? a}`));
    for (let t = 0; t < e.turns; t++) {
      const selected = isSelected && sel?.turn === t && sel?.agent === a;
      grid.append(record ? responseCell(record, t, a, onTarget(t, a), d, selected) : placeholderCell(t, a, selected));
    }
  }
  grid.append(h('div', { class: 'th rowhead majority' }, 'Majority'));
  for (let t = 0; t < e.turns; t++)
    grid.append(
      h('div', { class: 'majority' }, h('span', { class: 'answer' }, e.majority[t] ?? '—'), mark(e.majorityCorrect[t])),
    );

  const card = h(
    'article',
    {
      class: `discussion${final === true ? ' final-correct' : final === false ? ' final-incorrect' : ''}${isSelected ? ' current' : ''}`,
      'data-key': e.key,
      'aria-label': `Discussion ${e.id}, step ${e.step}`,
    },
    head,
    grid,
  );
  card.style.height = `${cardHeight(e.agents)}px`;
  return card;
}
