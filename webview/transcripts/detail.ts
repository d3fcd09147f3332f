// The side pane: what is selected in full (the question, and for a response its whole text, scores and
// the answer it changed from), its labels as toggle buttons with their number keys, your note on it,
// other annotators' labels and notes, and the agreement between annotators (Cohen's kappa per label).
import { answerChangedAt, type Agreement } from '../../src/protocol/transcriptsEditor';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { labelSlot } from './card';
import { annotationsOn, type Data, type Selection } from './state';

export interface DetailHandlers {
  toggleLabel(label: string): void;
  setNote(note: string): void;
  /** Leave the note field for the list. */
  done(): void;
}

/** The key that toggles label i (1–9, then 0 for the tenth), or '' beyond. */
export const labelKey = (i: number) => (i < 9 ? String(i + 1) : i === 9 ? '0' : '');

const mark = (ok: boolean | null | undefined) => (ok === undefined || ok === null ? '' : ok ? ' ✓' : ' ✗');

export class DetailPane {
  readonly el: HTMLElement;
  private readonly body = h('div', { class: 'detail-body' });
  private readonly note = h('textarea', {
    class: 'note',
    rows: 3,
    placeholder: 'Your note on this (Ctrl+Enter saves, Escape returns to the list)',
    'aria-label': 'Your note',
  });
  private readonly noteBox = h('div', { class: 'note-box' });
  private readonly others = h('div', { class: 'others' });
  private readonly labels = h('div', { class: 'label-buttons', role: 'group', 'aria-label': 'Labels' });
  private readonly labelsTitle = h('div', { class: 'section-title' }, 'Labels');
  private readonly agreement = h('div', { class: 'agreement' });
  private noteTarget = '';

  constructor(private readonly handlers: DetailHandlers) {
    this.noteBox.append(h('label', { class: 'section-title' }, 'Note'), this.note);
    this.el = h(
      'aside',
      { class: 'detail', 'aria-label': 'Selected discussion or response' },
      this.body,
      this.labelsTitle,
      this.labels,
      this.noteBox,
      this.others,
      this.agreement,
      help(),
    );
    const commit = () => handlers.setNote(this.note.value);
    this.note.addEventListener('change', commit);
    this.note.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        commit();
        handlers.done();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        commit();
        handlers.done();
      }
      e.stopPropagation(); // the list's keys do not apply while typing
    });
  }

  focusNote(): void {
    this.note.focus();
  }

  render(d: Data, sel: Selection | null): void {
    const e = sel ? d.entries[d.position.get(sel.key) ?? -1] : undefined;
    if (!sel || !e) {
      this.body.replaceChildren(
        h('p', { class: 'empty' }, d.entries.length ? 'Select a discussion (j/k) or a response (arrows).' : ''),
      );
      this.labels.replaceChildren();
      this.labelsTitle.hidden = true;
      this.noteBox.hidden = true;
      this.others.replaceChildren();
      this.renderAgreement(d.agreement);
      return;
    }
    this.noteBox.hidden = false;
    this.labelsTitle.hidden = false;
    const r = d.records.get(e.key);
    const parts: (Node | string)[] = [];
    const whole = sel.turn === undefined;
    parts.push(h('h2', {}, whole ? 'Discussion' : `Turn ${sel.turn! + 1} · Agent ${sel.agent ?? ''}`));
    parts.push(h('p', { class: 'question' }, r?.question ?? e.question));
    parts.push(
      h(
        'p',
        { class: 'meta' },
        `${e.id} · step ${e.step} · ${e.split}${e.sample ? ` · sample ${e.sample}` : ''} · line ${e.line} · gold `,
        h('span', { class: 'answer' }, e.answer),
      ),
    );
    if (whole) {
      parts.push(
        h(
          'p',
          { class: 'meta' },
          `Majority by turn: ${e.majority.map((m, t) => `${m ?? '—'}${mark(e.majorityCorrect[t])}`).join(' → ')}`,
        ),
      );
    } else if (r && sel.agent !== undefined) {
      const resp = r.turns[sel.turn!]?.[sel.agent];
      if (resp) {
        const changed = answerChangedAt(r, sel.turn!, sel.agent);
        const before = sel.turn! > 0 ? r.turns[sel.turn! - 1][sel.agent] : undefined;
        parts.push(
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Answer'),
            h('dd', {}, h('span', { class: 'answer' }, resp.answer ?? '—'), mark(resp.correct)),
            h('dt', {}, 'Verifier'),
            h('dd', {}, formatValue(resp.verifier)),
            h('dt', {}, 'Reward'),
            h('dd', {}, resp.reward === null ? '–' : formatValue(resp.reward)),
            before ? h('dt', {}, 'Turn before') : '',
            before
              ? h(
                  'dd',
                  { class: changed ? 'changed' : '' },
                  h('span', { class: 'answer' }, before.answer ?? '—'),
                  mark(before.correct),
                  changed ? ' (changed)' : ' (same)',
                )
              : '',
          ),
        );
        parts.push(h('pre', { class: 'response-text' }, resp.text));
      }
    } else if (!r) {
      parts.push(h('p', { class: 'loading' }, 'Loading the response…'));
    }
    this.body.replaceChildren(...parts);

    const on = annotationsOn(d, sel);
    const mine = new Set(on.filter((a) => a.annotator === d.annotator && a.label !== undefined).map((a) => a.label!));
    const extra = [...mine].filter((l) => !d.labels.includes(l));
    this.labels.replaceChildren(
      ...[...d.labels, ...extra].map((label, i) => {
        const key = i < d.labels.length ? labelKey(i) : '';
        const b = h(
          'button',
          {
            type: 'button',
            class: `label-btn c${labelSlot(d.labels, label)}`,
            'aria-pressed': mine.has(label) ? 'true' : 'false',
            title: key ? `Toggle with ${key}` : 'Not in the label set: click to remove',
          },
          key ? h('kbd', {}, key) : '',
          label,
        );
        b.addEventListener('click', () => this.handlers.toggleLabel(label));
        return b;
      }),
    );

    const targetId = `${sel.key}|${sel.turn ?? '*'}|${sel.agent ?? '*'}|${d.annotator}`;
    const myNote = on.find((a) => a.annotator === d.annotator && a.label === undefined && a.note !== undefined)?.note ?? '';
    if (targetId !== this.noteTarget || document.activeElement !== this.note) this.note.value = myNote;
    this.noteTarget = targetId;

    const theirs = on.filter((a) => a.annotator !== d.annotator);
    this.others.replaceChildren(
      ...(theirs.length
        ? [
            h('div', { class: 'section-title' }, 'Other annotators'),
            h(
              'ul',
              {},
              ...theirs.map((a) =>
                h('li', {}, h('strong', {}, a.annotator), ': ', a.label ?? '', a.label && a.note ? ' — ' : '', a.note ?? ''),
              ),
            ),
          ]
        : []),
    );
    this.renderAgreement(d.agreement);
  }

  private renderAgreement(list: Agreement[]): void {
    if (!list.length) {
      this.agreement.replaceChildren();
      return;
    }
    const kappa = (k: number | null) => (k === null ? '—' : k.toFixed(2));
    const rows = list.map((a) =>
      h(
        'tr',
        {},
        h('td', {}, a.label),
        h('td', { class: 'num' }, kappa(a.kappa)),
        h('td', {}, a.pairs.map((p) => `${p.annotators[0]}–${p.annotators[1]} ${kappa(p.kappa)} (n ${p.items})`).join(', ')),
      ),
    );
    this.agreement.replaceChildren(
      h(
        'div',
        {
          class: 'section-title',
          title:
            "Cohen's kappa per label over the targets both annotators labelled; Light's mean over pairs beyond two annotators; — where undefined",
        },
        'Agreement (κ)',
      ),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Label'), h('th', { class: 'num' }, 'κ'), h('th', {}, 'Pairs'))),
        h('tbody', {}, ...rows),
      ),
    );
  }
}

function help(): HTMLElement {
  const keys: [string, string][] = [
    ['1–9, 0', 'toggle label'],
    ['j / k', 'next / previous discussion'],
    ['↑ ↓', 'rows (discussion, agents)'],
    ['← → h l', 'turns'],
    ['n / N', 'next / previous unlabelled by you'],
    ['Enter', 'edit note'],
    ['Esc', 'whole discussion'],
    ['/', 'search'],
    ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo'],
    ['Ctrl+S', 'save'],
  ];
  return h(
    'details',
    { class: 'help' },
    h('summary', {}, 'Keyboard'),
    h('dl', {}, ...keys.flatMap(([k, what]) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, what)])),
  );
}
