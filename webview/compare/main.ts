// The checkpoint comparison page. Asks the host for everything when it loads (the host reads the
// sides' files), then shows: the sides as columns, their config differences, the runs' curves
// overlaid, the "Run comparison" form with the job's progress, and the comparison shown (a saved one,
// or the job's): the per-turn table and the questions whose final majorities differ, each opening its
// discussions side by side. Every host message is validated before use; anything else is dropped.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './compare.css';
import type { CompareInitMessage, SavedComparison } from '../../src/protocol/compareView';
import { validateHostToCompare, type HostToCompare } from '../../src/protocol/compareView';
import type { ComparisonResult } from '../../src/protocol/comparison';
import { describeMessage } from '../../src/protocol/check';
import { h } from '../shared/dom';
import { onThemeChange } from '../shared/theme';
import { CurveCharts } from './charts';
import { renderDiscussion } from './discussion';
import { RunForm } from './runForm';
import { restorePageState, type PageState } from './state';
import { renderConfigDiff, renderDisagreements, renderRuntimes, renderSides, renderTurnTable, resultCaption } from './tables';
import { vscode } from './vscodeApi';

let page: PageState = restorePageState(vscode.getState());
const save = () => vscode.setState(page);
let init: CompareInitMessage | null = null;
let result: ComparisonResult | null = null;
let slots = new Map<number, HTMLElement>();

// ---- layout ------------------------------------------------------------------------------------
const sidesRoot = h('div', { class: 'sides' });
const diffRoot = h('div', {});
const chartsRoot = h('div', { class: 'charts' });
const formRoot = h('div', {});
const savedSelect = h('vscode-single-select', { 'aria-label': 'Saved comparisons' }) as HTMLElement & { value: string };
const savedRow = h('div', { class: 'saved' }, h('span', { class: 'label' }, 'Shown: '), savedSelect);
const caption = h('p', { class: 'caption' });
const runtimesRoot = h('div', { class: 'runtimes' });
const tableRoot = h('div', {});
const disagreementsTitle = h('h2', {}, 'Questions whose final majorities differ');
const disagreementsRoot = h('div', {});
const problemsRoot = h('div', { class: 'problems' });
const resultRoot = h(
  'div',
  { class: 'result' },
  savedRow,
  caption,
  runtimesRoot,
  tableRoot,
  disagreementsTitle,
  disagreementsRoot,
);
document
  .getElementById('app')!
  .replaceChildren(
    h('section', { 'aria-label': 'Sides' }, h('h2', {}, 'Sides'), sidesRoot, problemsRoot),
    h('section', { 'aria-label': 'Config differences' }, h('h2', {}, 'Config differences'), diffRoot),
    h('section', { 'aria-label': 'Training curves' }, h('h2', {}, 'Training curves'), chartsRoot),
    h('section', { 'aria-label': 'Evaluation' }, h('h2', {}, 'Evaluation on the same questions'), formRoot, resultRoot),
  );
resultRoot.hidden = true;

const charts = new CurveCharts(chartsRoot);
const form = new RunForm(formRoot, {
  run: (values) => {
    page = { ...page, form: values };
    save();
    vscode.postMessage({ type: 'run', ...values });
  },
  cancel: () => vscode.postMessage({ type: 'cancel' }),
  changed: (values) => {
    page = { ...page, form: values };
    save();
  },
});
savedSelect.addEventListener('change', () => {
  if (savedSelect.value && savedSelect.value !== result?.key) vscode.postMessage({ type: 'showSaved', key: savedSelect.value });
});

// ---- rendering ---------------------------------------------------------------------------------
function showInit(m: CompareInitMessage): void {
  init = m;
  page = { ...page, sides: m.sides.map((s) => s.path) };
  save();
  document.title = `Compare: ${m.sides.map((s) => s.label).join(' vs ')}`;
  renderSides(sidesRoot, m.sides);
  problemsRoot.replaceChildren(...m.problems.map((p) => h('p', { class: 'problem' }, p)));
  renderConfigDiff(diffRoot, m.sides, m.configDiff, (side, pointer) => vscode.postMessage({ type: 'openConfig', side, pointer }));
  charts.render(m.curves, m.sides);
  form.setup(m.sources, page.form ?? m.defaults, m.canRun);
  form.showJob(m.job, m.sides);
  // The comparison the page showed before a hide wins over the newest saved one.
  const before = page.key && m.saved.some((s) => s.key === page.key) ? page.key : null;
  if (before && before !== m.result?.key) vscode.postMessage({ type: 'showSaved', key: before });
  else if (m.result) showResult(m.result, m.saved);
}

function showResult(r: ComparisonResult, saved: SavedComparison[]): void {
  if (!init) return;
  const reopen = page.key === r.key ? page.line : null;
  result = r;
  page = { ...page, key: r.key, line: reopen };
  save();
  resultRoot.hidden = false;
  savedSelect.replaceChildren(
    ...saved.map((s) =>
      h(
        'vscode-option',
        { value: s.key },
        `${s.questions} ${s.task} questions, seed ${s.seed} · ${new Date(s.createdAt).toLocaleString()}`,
      ),
    ),
  );
  savedSelect.value = r.key;
  savedRow.hidden = saved.length < 2;
  caption.textContent = resultCaption(r);
  renderRuntimes(runtimesRoot, r);
  renderTurnTable(tableRoot, r, init.sides);
  disagreementsTitle.textContent = `Questions whose final majorities differ (${r.differing.length} of ${r.questions})`;
  slots = renderDisagreements(disagreementsRoot, r, { select: (line) => select(line) });
  document.body.dataset.result = r.key; // lets tests wait for the table
  if (reopen !== null && slots.has(reopen)) select(reopen);
}

function select(line: number): void {
  if (!result) return;
  page = { ...page, line };
  save();
  for (const [l, slot] of slots) {
    if (l !== line) slot.replaceChildren();
    slot.parentElement?.querySelector('button.question')?.setAttribute('aria-expanded', String(l === line));
  }
  slots.get(line)?.replaceChildren(h('p', { class: 'loading' }, 'Loading the discussions…'));
  vscode.postMessage({ type: 'showDiscussion', key: result.key, line });
}

function showDiscussion(m: Extract<HostToCompare, { type: 'discussion' }>): void {
  const slot = slots.get(m.line);
  if (!init || !slot || m.key !== result?.key || page.line !== m.line) return;
  renderDiscussion(slot, init.sides, m.records, {
    openInEditors: () => vscode.postMessage({ type: 'openTranscripts', key: m.key, line: m.line }),
    close: () => {
      slot.replaceChildren();
      slot.parentElement?.querySelector('button.question')?.setAttribute('aria-expanded', 'false');
      page = { ...page, line: null };
      save();
    },
  });
  slot.scrollIntoView({ block: 'nearest' });
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const problem = validateHostToCompare(e.data);
  if (problem) {
    console.warn(`[maporl compare] dropped a malformed ${describeMessage(e.data)}: ${problem}`);
    return;
  }
  const m = e.data as HostToCompare;
  switch (m.type) {
    case 'init':
      return showInit(m);
    case 'job':
      if (init) form.showJob(m.job, init.sides);
      if (m.outcome) form.showOutcome(m.outcome);
      return;
    case 'result':
      return showResult(m.result, m.saved);
    case 'discussion':
      return showDiscussion(m);
  }
});

onThemeChange(() => charts.redraw());
vscode.postMessage({ type: 'ready' });
