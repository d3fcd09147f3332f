// The filter bar (search, step, split, final majority, changed answers, verifier disagreement, label),
// the count of what is shown, and the banner listing skipped lines of the files.
import type { ReadProblem } from '../../src/protocol/transcriptsEditor';
import { h } from '../shared/dom';
import { LABELLED, UNLABELLED, type Filter } from './state';

type Prop = Record<string, unknown>;
const set = (el: HTMLElement, prop: string, v: unknown) => {
  (el as unknown as Prop)[prop] = v;
};
const value = (e: Event) => String((e.target as unknown as Prop).value ?? '');
const checked = (e: Event) => (e.target as unknown as Prop).checked === true;

export class Toolbar {
  readonly el: HTMLElement;
  readonly problems = h('div', { class: 'problems', role: 'status' });
  private readonly count = h('span', { class: 'count', 'aria-live': 'polite' });
  private readonly c: Record<'search' | 'step' | 'split' | 'outcome' | 'label' | 'changed' | 'disagree', HTMLElement>;
  private shownLabels = '';

  constructor(onFilter: (patch: Partial<Filter>) => void) {
    const select = (label: string, options: [string, string][]) =>
      h(
        'vscode-single-select',
        { 'aria-label': label, title: label },
        ...options.map(([v, text]) => h('vscode-option', { value: v }, text)),
      );
    this.c = {
      search: h('vscode-textfield', {
        placeholder: 'Search questions, ids, answers (/)',
        'aria-label': 'Search',
        class: 'search',
      }),
      step: h('vscode-textfield', { placeholder: 'Step, e.g. 10-20', 'aria-label': 'Step or step range', class: 'step' }),
      split: select('Split', [
        ['all', 'Train and eval'],
        ['train', 'Train'],
        ['eval', 'Eval'],
      ]),
      outcome: select('Final majority', [
        ['all', 'All outcomes'],
        ['correct', 'Majority correct'],
        ['incorrect', 'Majority incorrect'],
      ]),
      label: select('Label', [['', 'Any labels']]),
      changed: h('vscode-checkbox', { label: 'Answer changed' }),
      disagree: h('vscode-checkbox', { label: 'Verifier ≠ truth' }),
    };
    let searchTimer: ReturnType<typeof setTimeout> | undefined;
    this.c.search.addEventListener('input', (e) => {
      const v = value(e);
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => onFilter({ search: v }), 120);
    });
    this.c.step.addEventListener('input', (e) => onFilter({ step: value(e) }));
    this.c.split.addEventListener('change', (e) => onFilter({ split: value(e) as Filter['split'] }));
    this.c.outcome.addEventListener('change', (e) => onFilter({ outcome: value(e) as Filter['outcome'] }));
    this.c.label.addEventListener('change', (e) => onFilter({ label: value(e) }));
    this.c.changed.addEventListener('change', (e) => onFilter({ changed: checked(e) }));
    this.c.disagree.addEventListener('change', (e) => onFilter({ disagree: checked(e) }));
    this.el = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Filters' },
      this.c.search,
      this.c.step,
      this.c.split,
      this.c.outcome,
      this.c.label,
      this.c.changed,
      this.c.disagree,
      this.count,
    );
  }

  focusSearch(): void {
    (this.c.search as HTMLElement & { focus(): void }).focus();
  }

  /** The label choices follow the label set. */
  setLabels(labels: readonly string[], current: string): void {
    const sig = labels.join('\n');
    if (sig !== this.shownLabels) {
      this.shownLabels = sig;
      const options: [string, string][] = [
        ['', 'Any labels'],
        [UNLABELLED, 'Unlabelled by you'],
        [LABELLED, 'Labelled'],
        ...labels.map((l): [string, string] => [l, `Label: ${l}`]),
      ];
      this.c.label.replaceChildren(...options.map(([v, text]) => h('vscode-option', { value: v }, text)));
    }
    set(this.c.label, 'value', current);
  }

  show(f: Filter): void {
    set(this.c.search, 'value', f.search);
    set(this.c.step, 'value', f.step);
    set(this.c.split, 'value', f.split);
    set(this.c.outcome, 'value', f.outcome);
    set(this.c.label, 'value', f.label);
    set(this.c.changed, 'checked', f.changed);
    set(this.c.disagree, 'checked', f.disagree);
  }

  setCount(text: string): void {
    this.count.textContent = text;
  }

  /** Skipped lines, the first few named; all of them on demand. */
  setProblems(list: readonly ReadProblem[]): void {
    if (!list.length) {
      this.problems.replaceChildren();
      this.problems.hidden = true;
      return;
    }
    this.problems.hidden = false;
    const name = (p: ReadProblem) => `${p.file}.jsonl line ${p.line}: ${p.problem}`;
    const t = list.filter((p) => p.file === 'transcripts').length,
      a = list.length - t;
    const summary = [
      t ? `${t} line${t === 1 ? '' : 's'} of transcripts.jsonl skipped` : '',
      a ? `${a} line${a === 1 ? '' : 's'} of annotations.jsonl not read (kept as they are when saving)` : '',
    ]
      .filter(Boolean)
      .join('; ');
    this.problems.replaceChildren(
      h('details', {}, h('summary', {}, `⚠ ${summary}`), h('ul', {}, ...list.slice(0, 200).map((p) => h('li', {}, name(p))))),
    );
  }
}
