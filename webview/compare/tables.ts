// The comparison's tables: the sides as columns, their config differences, the per-turn table (each
// side's majority and mean agent accuracy; each side against the first: the paired difference with its
// bootstrap interval and McNemar's p) and the questions whose final majorities differ.
import type { CompareSideView, ConfigDiffRow } from '../../src/protocol/compareView';
import type { ComparisonResult, DifferingQuestion } from '../../src/protocol/comparison';
import { describeRuntime } from '../../src/protocol/runRecords';
import { h } from '../shared/dom';
import { pValue, percent, points } from './state';

const sideName = (i: number) => `S${i + 1}${i === 0 ? ' (baseline)' : ''}`;

export const mark = (correct: boolean) =>
  h(
    'span',
    {
      class: `mark ${correct ? 'correct' : 'incorrect'}`,
      title: correct ? 'correct' : 'incorrect',
      'aria-label': correct ? 'correct' : 'incorrect',
    },
    correct ? '✓' : '✗',
  );

export function renderSides(root: HTMLElement, sides: CompareSideView[]): void {
  root.replaceChildren(
    ...sides.map((s, i) =>
      h(
        'div',
        { class: 'side', title: s.path },
        h('div', { class: 'side-name' }, sideName(i)),
        h('div', { class: 'side-run' }, h('strong', {}, s.run)),
        h('div', { class: 'side-step' }, `checkpoint step ${s.step}`),
      ),
    ),
  );
}

export function renderConfigDiff(
  root: HTMLElement,
  sides: CompareSideView[],
  rows: ConfigDiffRow[],
  open: (side: number, pointer: string) => void,
): void {
  if (rows.length === 0) {
    const sameRun = new Set(sides.map((s) => s.runDir)).size === 1;
    root.replaceChildren(
      h(
        'p',
        { class: 'empty' },
        sameRun ? 'The sides are checkpoints of one run: same config.' : "The runs' configs are the same.",
      ),
    );
    return;
  }
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Key'), ...sides.map((_, i) => h('th', { scope: 'col' }, sideName(i))));
  const body = rows.map((r) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row', class: 'key' }, r.key),
      ...r.values.map((v, i) => {
        if (v === null) return h('td', { class: 'missing' }, '—');
        const b = h(
          'button',
          { class: 'link value', type: 'button', title: `Open ${sides[i].run}/config.json at ${r.pointer}` },
          v,
        );
        b.addEventListener('click', () => open(i, r.pointer));
        return h('td', {}, b);
      }),
    ),
  );
  root.replaceChildren(
    h('div', { class: 'table-scroll' }, h('table', { class: 'grid config-diff' }, h('thead', {}, head), h('tbody', {}, ...body))),
  );
}

/** One line about what was compared. */
export function resultCaption(r: ComparisonResult): string {
  const data = r.data ? r.data.split(/[\\/]/).pop() : 'generated';
  return `${r.questions} ${r.task} questions (${data}), seed ${r.seed}, ${r.bootstrap.resamples} bootstrap resamples · ${new Date(r.createdAt).toLocaleString()}`;
}

/**
 * What each side's sessions ran on (result.json's `runtime`; absent in results saved before it was
 * recorded): one line a side, a fallback to the CPU as a warning with its reason.
 */
export function renderRuntimes(root: HTMLElement, r: ComparisonResult): void {
  root.replaceChildren(
    ...r.sides.flatMap((s, i) =>
      s.runtime
        ? [
            h(
              'p',
              s.runtime.fallback ? { class: 'runtime-fallback', role: 'alert' } : { class: 'note' },
              `S${i + 1} ran on ${describeRuntime(s.runtime)}`,
            ),
          ]
        : [],
    ),
  );
}

/** `sides` are the panel's (their labels); the result's sides are the same checkpoints in the same order. */
export function renderTurnTable(root: HTMLElement, r: ComparisonResult, sides: CompareSideView[]): void {
  const n = r.sides.length;
  const turns = Math.max(...r.sides.map((s) => s.turns));
  const level = Math.round(r.bootstrap.confidence * 100);
  const groups = h(
    'tr',
    {},
    h('th', { scope: 'col', rowspan: 2 }, 'Turn'),
    ...r.sides.map((s, i) =>
      h(
        'th',
        { scope: 'colgroup', colspan: i === 0 ? 2 : 4, class: 'group', title: s.path },
        `S${i + 1} ${sides[i]?.label ?? s.label}${i === 0 ? ' (baseline)' : ''}`,
      ),
    ),
  );
  const num = (text: string, title?: string) => h('th', { scope: 'col', class: 'num', title }, text);
  const cols = h(
    'tr',
    {},
    ...r.sides.flatMap((_, i) => [
      num('majority'),
      num('mean agent'),
      ...(i === 0
        ? []
        : [
            num(`Δ majority [${level}% CI]`, `S${i + 1} minus S1: majority accuracy in percentage points`),
            num('McNemar p', "McNemar's exact test on whether the majority answers are right"),
          ]),
    ]),
  );
  const rows = Array.from({ length: turns }, (_, t) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, String(t + 1)),
      ...r.sides.flatMap((s, i) => {
        const m = s.table.turns[t];
        const cells = [
          h('td', { class: 'num' }, m ? percent(m.majorityAccuracy) : '–'),
          h('td', { class: 'num' }, m ? percent(m.meanAgentAccuracy) : '–'),
        ];
        if (i === 0) return cells;
        const p = r.versusBaseline.find((v) => v.side === i)?.turns[t];
        if (!p) return [...cells, h('td', { class: 'num' }, '–'), h('td', { class: 'num' }, '–')];
        const excludesZero = p.ci[0] > 0 || p.ci[1] < 0;
        return [
          ...cells,
          h(
            'td',
            {
              class: `num diff ${p.difference > 0 ? 'up' : p.difference < 0 ? 'down' : ''} ${excludesZero ? 'significant' : ''}`,
              title: `${p.sideOnly} questions right only on side ${i + 1}, ${p.baselineOnly} only on side 1`,
            },
            `${points(p.difference)} [${points(p.ci[0])}, ${points(p.ci[1])}]`,
          ),
          h('td', { class: `num ${p.pValue < 0.05 ? 'significant' : ''}` }, pValue(p.pValue)),
        ];
      }),
    ),
  );
  root.replaceChildren(
    h(
      'div',
      { class: 'table-scroll' },
      h('table', { class: `grid turn-table sides-${n}` }, h('thead', {}, groups, cols), h('tbody', {}, ...rows)),
    ),
    h(
      'p',
      { class: 'note' },
      "Differences in percentage points of majority accuracy (tie-split credit), paired by question, with a paired-bootstrap interval; McNemar's exact p on whether each majority answer is right.",
    ),
  );
}

export interface DisagreementHandlers {
  select(line: number): void;
}

/** The questions whose final majority answers differ; each opens its discussions side by side. */
export function renderDisagreements(
  root: HTMLElement,
  r: ComparisonResult,
  handlers: DisagreementHandlers,
): Map<number, HTMLElement> {
  const slots = new Map<number, HTMLElement>();
  if (r.differing.length === 0) {
    root.replaceChildren(h('p', { class: 'empty' }, 'Every side ends with the same majority answer on every question.'));
    return slots;
  }
  const items = r.differing.map((q: DifferingQuestion) => {
    const slot = h('div', { class: 'side-by-side-slot' });
    slots.set(q.line, slot);
    const open = h(
      'button',
      { class: 'link question', type: 'button', 'aria-expanded': 'false', title: 'Show the discussions side by side' },
      q.question,
    );
    open.addEventListener('click', () => handlers.select(q.line));
    return h(
      'li',
      { class: 'disagreement', 'data-line': q.line },
      open,
      h(
        'div',
        { class: 'finals' },
        h('span', { class: 'gold' }, 'ground truth ', h('span', { class: 'answer' }, q.answer)),
        ...q.sides.map((s, i) =>
          h('span', { class: 'final' }, `S${i + 1} `, h('span', { class: 'answer' }, s.majority ?? '—'), ' ', mark(s.correct)),
        ),
      ),
      slot,
    );
  });
  root.replaceChildren(h('ol', { class: 'disagreements' }, ...items));
  return slots;
}
