// The discussions: the newest transcripts, each a table with one column per turn and one row per agent
// (its answer, ground-truth mark, verifier score and reward; the full text on demand), and the majority
// answer of every turn. Filters narrow the list; a question with a dataset source opens it at its line.
// Cards are cached by transcript id, so a refresh keeps their open/closed details and focus. Each card
// and the filter bar link to the transcripts editor, where discussions are labelled.
import { discussionKey } from '../../src/protocol/annotations';
import type { TranscriptResponse, TranscriptView } from '../../src/protocol/webview';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { finalMajorityCorrect, type TranscriptFilter, type ViewState, visibleTranscripts } from './state';

export interface DiscussionHandlers {
  openSource(file: string, line: number): void;
  setFilter(patch: Partial<TranscriptFilter>): void;
  showMore(): void;
  /** Open the transcripts editor, at this discussion (its discussionKey) when given. */
  annotate(key?: string): void;
}

const mark = (correct: boolean | null) =>
  correct === null
    ? h('span', { class: 'mark unknown', title: 'not graded' }, '?')
    : h(
        'span',
        {
          class: `mark ${correct ? 'correct' : 'incorrect'}`,
          title: correct ? 'correct' : 'incorrect',
          'aria-label': correct ? 'correct' : 'incorrect',
        },
        correct ? '✓' : '✗',
      );

function responseCell(r: TranscriptResponse): HTMLElement {
  return h(
    'td',
    { class: `response ${r.correct === true ? 'is-correct' : r.correct === false ? 'is-incorrect' : ''}` },
    h('div', { class: 'answer-line' }, h('span', { class: 'answer' }, r.answer ?? '—'), ' ', mark(r.correct)),
    h(
      'div',
      { class: 'scores' },
      h('span', { title: 'verifier score' }, `verifier ${formatValue(r.verifier)}`),
      h('span', { title: 'reward used by PPO' }, `reward ${r.reward === null ? '–' : formatValue(r.reward)}`),
    ),
    h('details', {}, h('summary', {}, 'text'), h('pre', {}, r.text)),
  );
}

function card(t: TranscriptView, handlers: DiscussionHandlers): HTMLElement {
  const turns = t.turns.length;
  const agents = Math.max(0, ...t.turns.map((turn) => turn.length));
  const source = t.source && !t.source.file.startsWith('builtin:') ? t.source : undefined;
  const question = source
    ? h('button', { class: 'link question', type: 'button', title: `Open ${source.file}:${source.line}` }, t.question)
    : h('span', { class: 'question' }, t.question);
  if (source) question.addEventListener('click', () => handlers.openSource(source.file, source.line));

  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Agent'),
    ...Array.from({ length: turns }, (_, k) => h('th', { scope: 'col' }, `Turn ${k + 1}`)),
  );
  const rows = Array.from({ length: agents }, (_, a) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, `Agent ${t.turns[0]?.[a]?.agent ?? a}`),
      ...t.turns.map((turn) => (turn[a] ? responseCell(turn[a]) : h('td', {}))),
    ),
  );
  const majority = h(
    'tr',
    { class: 'majority' },
    h('th', { scope: 'row' }, 'Majority'),
    ...Array.from({ length: turns }, (_, k) =>
      h('td', {}, h('span', { class: 'answer' }, t.majority[k] ?? '—'), ' ', mark(t.majorityCorrect[k] ?? null)),
    ),
  );
  const final = finalMajorityCorrect(t);
  const annotate = h(
    'button',
    { class: 'link annotate', type: 'button', title: 'Label this discussion in the transcripts editor' },
    'Annotate',
  );
  annotate.addEventListener('click', () => handlers.annotate(discussionKey(t)));
  return h(
    'article',
    { class: `discussion ${final === true ? 'final-correct' : final === false ? 'final-incorrect' : ''}`, 'data-id': t.id },
    h(
      'header',
      {},
      question,
      h(
        'div',
        { class: 'meta' },
        `step ${t.step} · ${t.split} · ground truth `,
        h('span', { class: 'answer' }, t.answer),
        source ? ` · ${source.file.split(/[\\/]/).pop()}:${source.line}` : '',
        ' · ',
        annotate,
      ),
    ),
    h('div', { class: 'table-scroll' }, h('table', { class: 'turns' }, h('thead', {}, head), h('tbody', {}, ...rows, majority))),
  );
}

export class DiscussionsView {
  private readonly cards = new Map<string, HTMLElement>();
  private readonly list = h('div', { class: 'discussion-list' });
  private readonly count = h('span', { class: 'count', 'aria-live': 'polite' });
  private readonly more = h('vscode-button', { secondary: true }, 'Show more');
  private readonly annotate = h(
    'vscode-button',
    { secondary: true, title: 'Label discussions in the transcripts editor (MAPoRL: Annotate Transcripts)' },
    'Annotate transcripts',
  );
  private readonly controls: { outcome: HTMLElement; split: HTMLElement; changed: HTMLElement; search: HTMLElement };

  constructor(
    root: HTMLElement,
    private readonly handlers: DiscussionHandlers,
  ) {
    const select = (label: string, options: [string, string][]) =>
      h('vscode-single-select', { 'aria-label': label }, ...options.map(([value, text]) => h('vscode-option', { value }, text)));
    this.controls = {
      outcome: select('Final majority', [
        ['all', 'All outcomes'],
        ['correct', 'Majority correct'],
        ['incorrect', 'Majority incorrect'],
      ]),
      split: select('Split', [
        ['all', 'Train and eval'],
        ['train', 'Train'],
        ['eval', 'Eval'],
      ]),
      changed: h('vscode-checkbox', { label: 'Changed answers only' }),
      search: h('vscode-textfield', { placeholder: 'Search questions', 'aria-label': 'Search questions' }),
    };
    const value = (e: Event) => (e.target as HTMLInputElement).value;
    this.controls.outcome.addEventListener('change', (e) =>
      handlers.setFilter({ outcome: value(e) as TranscriptFilter['outcome'] }),
    );
    this.controls.split.addEventListener('change', (e) => handlers.setFilter({ split: value(e) as TranscriptFilter['split'] }));
    this.controls.changed.addEventListener('change', (e) =>
      handlers.setFilter({ changedOnly: (e.target as HTMLInputElement).checked }),
    );
    this.controls.search.addEventListener('input', (e) => handlers.setFilter({ search: value(e) }));
    this.more.addEventListener('click', () => handlers.showMore());
    this.annotate.addEventListener('click', () => handlers.annotate());
    root.append(
      h(
        'div',
        { class: 'filters', role: 'toolbar', 'aria-label': 'Transcript filters' },
        this.controls.outcome,
        this.controls.split,
        this.controls.changed,
        this.controls.search,
        this.count,
        this.annotate,
      ),
      this.list,
      this.more,
    );
  }

  /** Puts the saved filter into the controls (after a restore). */
  showFilter(f: TranscriptFilter): void {
    const set = (el: HTMLElement, prop: string, v: unknown) => {
      (el as unknown as Record<string, unknown>)[prop] = v;
    };
    set(this.controls.outcome, 'value', f.outcome);
    set(this.controls.split, 'value', f.split);
    set(this.controls.changed, 'checked', f.changedOnly);
    set(this.controls.search, 'value', f.search);
  }

  render(all: readonly TranscriptView[], view: ViewState): void {
    const { shown, matching } = visibleTranscripts(all, view);
    const keep = new Set<string>();
    const nodes = shown.map((t) => {
      keep.add(t.id);
      let el = this.cards.get(t.id);
      if (!el) {
        el = card(t, this.handlers);
        this.cards.set(t.id, el);
      }
      return el;
    });
    for (const id of [...this.cards.keys()]) if (!keep.has(id)) this.cards.delete(id);
    this.list.replaceChildren(
      ...(nodes.length
        ? nodes
        : [
            h(
              'p',
              { class: 'empty' },
              all.length
                ? 'No discussion matches the filters.'
                : 'No discussions yet: they appear as the run writes transcripts.',
            ),
          ]),
    );
    this.count.textContent = all.length ? `${shown.length} of ${matching} shown (${all.length} loaded)` : '';
    this.more.hidden = shown.length >= matching;
  }
}
