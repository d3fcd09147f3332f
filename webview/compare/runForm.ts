// The "Run comparison" form (question source, number of questions, seed) and, while the job runs, its
// progress side by side (done, evaluating, waiting; the engine tells only which side it is on) with
// Cancel. In Restricted Mode the form stays but cannot start a job.
import type { CompareJobView, CompareSideView, QuestionSource } from '../../src/protocol/compareView';
import { MAX_QUESTIONS } from '../../src/protocol/compareView';
import { h } from '../shared/dom';
import { parseCount, type FormValues } from './state';

export interface RunFormHandlers {
  run(values: FormValues): void;
  cancel(): void;
  changed(values: FormValues): void;
}

type Field = HTMLElement & { value: string; disabled: boolean; invalid?: boolean };

export class RunForm {
  private readonly source = h('vscode-single-select', { 'aria-label': 'Questions' }) as unknown as Field;
  private readonly questions = h('vscode-textfield', {
    type: 'number',
    min: 1,
    max: MAX_QUESTIONS,
    'aria-label': 'Number of questions',
    class: 'count',
  }) as unknown as Field;
  private readonly seed = h('vscode-textfield', {
    type: 'number',
    min: 0,
    'aria-label': 'Seed',
    class: 'count',
  }) as unknown as Field;
  private readonly runButton = h('vscode-button', { class: 'run' }, 'Run comparison') as unknown as Field;
  private readonly cancelButton = h('vscode-button', { secondary: true, class: 'cancel' }, 'Cancel') as unknown as Field;
  private readonly progress = h('div', { class: 'progress', 'aria-live': 'polite' });
  private readonly message = h('p', { class: 'outcome', role: 'status' });
  private readonly restricted = h(
    'p',
    { class: 'note' },
    'Restricted Mode: trust this workspace to run comparisons; saved ones are shown.',
  );
  private running = false;

  constructor(
    root: HTMLElement,
    private readonly handlers: RunFormHandlers,
  ) {
    const field = (label: string, el: HTMLElement) => h('label', { class: 'field' }, h('span', { class: 'label' }, label), el);
    this.runButton.addEventListener('click', () => {
      const v = this.values();
      if (v && !this.running) handlers.run(v);
    });
    this.cancelButton.addEventListener('click', () => handlers.cancel());
    for (const el of [this.source, this.questions, this.seed]) {
      el.addEventListener('change', () => this.validate());
      el.addEventListener('input', () => this.validate());
    }
    this.cancelButton.hidden = true;
    this.restricted.hidden = true;
    root.append(
      h(
        'div',
        { class: 'form' },
        field('Questions', this.source),
        field('How many', this.questions),
        field('Seed', this.seed),
        this.runButton,
        this.cancelButton,
      ),
      this.restricted,
      this.progress,
      this.message,
    );
  }

  setup(sources: QuestionSource[], values: FormValues, canRun: boolean): void {
    this.source.replaceChildren(...sources.map((s) => h('vscode-option', { value: s.id }, s.label)));
    this.source.value = sources.some((s) => s.id === values.source) ? values.source : (sources[0]?.id ?? '');
    this.questions.value = String(values.questions);
    this.seed.value = String(values.seed);
    this.restricted.hidden = canRun;
    this.runButton.disabled = !canRun;
  }

  /** The form's values, or null (and the bad fields marked) when one is not a valid count. */
  values(): FormValues | null {
    const questions = parseCount(this.questions.value, 1, MAX_QUESTIONS);
    const seed = parseCount(this.seed.value, 0, 2 ** 32 - 1);
    this.questions.invalid = questions === null;
    this.seed.invalid = seed === null;
    return questions === null || seed === null ? null : { source: this.source.value, questions, seed };
  }

  showJob(job: CompareJobView | null, sides: CompareSideView[]): void {
    this.running = job !== null;
    this.cancelButton.hidden = !job;
    this.cancelButton.disabled = job?.phase === 'cancelling';
    this.runButton.hidden = !!job;
    if (!job) {
      this.progress.replaceChildren();
      return;
    }
    this.message.textContent = '';
    const state = (i: number) =>
      job.side === null || i > job.side
        ? 'waiting'
        : i < job.side
          ? 'done'
          : job.phase === 'cancelling'
            ? 'cancelling'
            : 'evaluating';
    this.progress.replaceChildren(
      h('p', { class: 'progress-line' }, job.message),
      h(
        'ol',
        { class: 'side-progress' },
        ...sides.map((s, i) => {
          const st = state(i);
          return h(
            'li',
            { class: `side-state ${st}`, 'data-state': st },
            h('span', { class: 'side-label' }, `S${i + 1} ${s.label}`),
            h('span', { class: 'state' }, st),
            st === 'evaluating' || st === 'cancelling'
              ? h('vscode-progress-bar', { 'aria-label': `Evaluating side ${i + 1}` })
              : null,
          );
        }),
      ),
    );
  }

  showOutcome(outcome: { ok: boolean; message: string }): void {
    this.message.textContent = outcome.ok ? '' : outcome.message;
    this.message.className = `outcome ${outcome.ok ? '' : 'error'}`;
  }

  private validate(): void {
    const v = this.values();
    if (v) this.handlers.changed(v);
  }
}
