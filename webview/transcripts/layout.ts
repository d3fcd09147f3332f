// Geometry of the virtualised list, without DOM: every discussion card has a height known from its
// shape alone (rows of fixed height, one per agent), so the list knows where each card is without
// rendering it, and only the cards in view exist in the page. The CSS (transcripts.css) gives the
// same heights to the same rows.

/** Pixel heights of the parts of a card (transcripts.css sets rows to these). */
export const CARD = {
  /** Question line and meta line, with the card's top padding. */
  head: 52,
  /** The row of turn headers. */
  turnsRow: 22,
  /** One agent's row: answer line, scores line, labels line. */
  agentRow: 54,
  /** The majority row and the card's bottom padding. */
  majorityRow: 30,
  /** Space between cards. */
  gap: 10,
} as const;

export function cardHeight(agents: number): number {
  return CARD.head + CARD.turnsRow + agents * CARD.agentRow + CARD.majorityRow;
}

/** Top of agent `agent`'s row inside its card; the card's top for the whole discussion. */
export function rowTop(agent: number | undefined): number {
  return agent === undefined ? 0 : CARD.head + CARD.turnsRow + agent * CARD.agentRow;
}

export function rowHeight(agent: number | undefined): number {
  return agent === undefined ? CARD.head : CARD.agentRow;
}

/** Top of every card (and the total height at the end): tops[i] for card i, tops[n] = total. */
export function cardTops(agents: readonly number[]): Float64Array {
  const tops = new Float64Array(agents.length + 1);
  for (let i = 0; i < agents.length; i++) tops[i + 1] = tops[i] + cardHeight(agents[i]) + CARD.gap;
  return tops;
}

/** Index of the card at pixel `y` (the last card whose top is at or above y). */
export function cardAt(tops: Float64Array, y: number): number {
  let lo = 0,
    hi = tops.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tops[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Cards to render for a viewport [top, top + height), with `overscan` more on each side. */
export function visibleRange(tops: Float64Array, top: number, height: number, overscan: number): [number, number] {
  const n = tops.length - 1;
  if (n <= 0) return [0, 0];
  const first = Math.max(0, cardAt(tops, top) - overscan);
  const last = Math.min(n, cardAt(tops, top + height) + 1 + overscan);
  return [first, last];
}

/** The scrollTop that shows [y, y + h) in a viewport (scrolling as little as possible). */
export function scrollToShow(scrollTop: number, viewport: number, y: number, h: number, margin = 8): number {
  if (y - margin < scrollTop) return Math.max(0, y - margin);
  if (y + h + margin > scrollTop + viewport) return Math.max(0, Math.min(y - margin, y + h + margin - viewport));
  return scrollTop;
}
