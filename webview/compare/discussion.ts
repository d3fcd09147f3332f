// One question's discussions on every side, side by side: a column per side, and in each a row per
// turn with every agent's answer (ground-truth mark, the full text on demand) and the turn's majority.
import type { CompareSideView } from '../../src/protocol/compareView';
import type { TranscriptRecord } from '../../src/protocol/runRecords';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { mark } from './tables';

export interface DiscussionHandlers {
  openInEditors(): void;
  close(): void;
}

function sideColumn(side: CompareSideView, index: number, r: TranscriptRecord | null): HTMLElement {
  const head = h('header', {}, h('strong', {}, `S${index + 1}`), ` ${side.label}`);
  if (!r)
    return h(
      'section',
      { class: 'side-discussion' },
      head,
      h('p', { class: 'empty' }, "This side's discussion is missing or unreadable."),
    );
  const turns = r.turns.map((responses, t) =>
    h(
      'div',
      { class: 'turn' },
      h(
        'div',
        { class: 'turn-head' },
        `Turn ${t + 1} · majority `,
        h('span', { class: 'answer' }, r.majority[t] ?? '—'),
        ' ',
        mark(r.majorityCorrect[t]),
      ),
      h(
        'ul',
        { class: 'responses' },
        ...responses.map((x) =>
          h(
            'li',
            {},
            h('span', { class: 'agent' }, `Agent ${x.agent}`),
            ' ',
            h('span', { class: 'answer' }, x.answer ?? '—'),
            ' ',
            mark(x.correct),
            h('span', { class: 'scores' }, ` verifier ${formatValue(x.verifier)}`),
            h('details', {}, h('summary', {}, 'text'), h('pre', {}, x.text)),
          ),
        ),
      ),
    ),
  );
  const last = r.turns.length - 1;
  return h(
    'section',
    {
      class: `side-discussion ${r.majorityCorrect[last] ? 'final-correct' : 'final-incorrect'}`,
      'aria-label': `Side ${index + 1}`,
    },
    head,
    ...turns,
  );
}

export function renderDiscussion(
  root: HTMLElement,
  sides: CompareSideView[],
  records: (TranscriptRecord | null)[],
  handlers: DiscussionHandlers,
): void {
  const first = records.find((r): r is TranscriptRecord => r !== null);
  const editors = h(
    'vscode-button',
    { secondary: true, title: "Open every side's transcripts in editors side by side, to label and annotate" },
    'Open in editors',
  );
  editors.addEventListener('click', () => handlers.openInEditors());
  const close = h('vscode-button', { secondary: true }, 'Close');
  close.addEventListener('click', () => handlers.close());
  root.replaceChildren(
    h(
      'div',
      { class: 'side-by-side' },
      h(
        'div',
        { class: 'side-by-side-head' },
        h(
          'span',
          { class: 'meta' },
          first ? `${first.id} · ground truth ` : '',
          first ? h('span', { class: 'answer' }, first.answer) : '',
        ),
        h('span', { class: 'actions' }, editors, close),
      ),
      h('div', { class: `columns sides-${sides.length}` }, ...sides.map((s, i) => sideColumn(s, i, records[i] ?? null))),
    ),
  );
}
