// The virtualised list of discussions: a scroll container whose spacer is as tall as all cards together
// (layout.ts knows every card's height from its shape), holding only the cards in view plus a few on
// each side, absolutely placed. Cards are kept while their content is unchanged (a signature), so
// scrolling moves existing nodes. After each draw the list reports the discussions in and near view
// whose records are missing, for the page to fetch.
import type { DiscussionSummary } from '../../src/protocol/transcriptsEditor';
import { h } from '../shared/dom';
import { renderCard } from './card';
import { cardAt, cardTops, rowHeight, rowTop, scrollToShow, visibleRange } from './layout';
import type { Data, Selection } from './state';

const OVERSCAN = 3;
/** Cards beyond the rendered ones whose records are fetched ahead. */
const PREFETCH = 12;

export interface ListHandlers {
  select(target: Selection): void;
  /** Records wanted for these keys (in view first). */
  need(keys: string[]): void;
  scrolled(scrollTop: number): void;
}

export class VirtualList {
  readonly el: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private items: number[] = [];
  private tops: Float64Array = new Float64Array(1);
  private readonly cards = new Map<string, { el: HTMLElement; sig: string }>();
  /** Bumped when annotations, labels or the annotator change: every card redraws. */
  private generation = 0;

  constructor(private readonly handlers: ListHandlers) {
    this.spacer = h('div', { class: 'spacer' });
    this.empty = h('p', { class: 'empty' });
    this.el = h('div', { class: 'list', tabindex: 0, role: 'list', 'aria-label': 'Discussions' }, this.spacer, this.empty);
    this.el.addEventListener('scroll', () => handlers.scrolled(this.el.scrollTop), { passive: true });
    this.el.addEventListener('click', (ev) => this.click(ev));
  }

  /** The filtered discussions (positions in data.entries) to list. */
  setItems(items: number[], entries: readonly DiscussionSummary[]): void {
    this.items = items;
    this.tops = cardTops(items.map((i) => entries[i].agents));
    this.spacer.style.height = `${this.tops[items.length]}px`;
  }

  invalidate(): void {
    this.generation++;
  }

  indexOf(key: string, d: Data): number {
    const p = d.position.get(key);
    return p === undefined ? -1 : this.items.indexOf(p);
  }

  /** Scrolls as little as possible to show the selected row. */
  reveal(sel: Selection, d: Data): void {
    const i = this.indexOf(sel.key, d);
    if (i < 0) return;
    const y = this.tops[i] + rowTop(sel.agent);
    this.el.scrollTop = scrollToShow(this.el.scrollTop, this.el.clientHeight, y, rowHeight(sel.agent));
  }

  /** Scrolls so that the first discussion at or after `scrollTop` is where it was (after a restore). */
  scrollTo(scrollTop: number): void {
    this.el.scrollTop = scrollTop;
  }

  draw(d: Data, sel: Selection | null, emptyText: string): void {
    this.empty.textContent = this.items.length ? '' : emptyText;
    const [first, last] = visibleRange(this.tops, this.el.scrollTop, this.el.clientHeight || 600, OVERSCAN);
    const keep = new Set<string>();
    for (let i = first; i < last; i++) {
      const e = d.entries[this.items[i]];
      const record = d.records.get(e.key);
      const selSig = sel?.key === e.key ? `${sel.turn ?? '*'}/${sel.agent ?? '*'}` : '';
      const sig = `${record ? 1 : 0}|${selSig}|${this.generation}|${e.line}`;
      keep.add(e.key);
      let card = this.cards.get(e.key);
      if (!card || card.sig !== sig) {
        const el = renderCard(e, record, d, sel);
        if (card) card.el.replaceWith(el);
        else this.spacer.append(el);
        card = { el, sig };
        this.cards.set(e.key, card);
      }
      card.el.style.top = `${this.tops[i]}px`;
    }
    for (const [key, card] of this.cards) {
      if (keep.has(key)) continue;
      card.el.remove();
      this.cards.delete(key);
    }
    const wanted: string[] = [];
    const from = Math.max(0, first - PREFETCH),
      to = Math.min(this.items.length, last + PREFETCH);
    for (let i = first; i < to; i++) wanted.push(d.entries[this.items[i]].key);
    for (let i = first - 1; i >= from; i--) wanted.push(d.entries[this.items[i]].key);
    const missing = wanted.filter((k) => !d.records.has(k));
    if (missing.length) this.handlers.need(missing);
  }

  /** Index (in the filtered list) of the first card in view. */
  firstInView(): number {
    return cardAt(this.tops, this.el.scrollTop);
  }

  private click(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    const card = target.closest<HTMLElement>('article.discussion');
    if (!card?.dataset.key) return;
    const cell = target.closest<HTMLElement>('[data-turn]');
    if (cell) this.handlers.select({ key: card.dataset.key, turn: Number(cell.dataset.turn), agent: Number(cell.dataset.agent) });
    else this.handlers.select({ key: card.dataset.key });
    this.el.focus({ preventScroll: true });
  }
}
