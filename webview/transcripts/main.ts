// The transcripts editor's page. Asks the host for the index, lists the discussions that pass the
// filters in a virtualised list, fetches the records of those in view, and turns keys and clicks into
// label and note requests (the host makes them edits of the document). Drawing happens at most once
// per animation frame. Every host message is validated before use; anything else is dropped.
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/verdicts.css';
import './transcripts.css';
import { describeMessage } from '../../src/protocol/check';
import { discussionKey, isHostToTranscripts, MAX_FETCH, type HostToTranscripts } from '../../src/protocol/transcriptsEditor';
import { h } from '../shared/dom';
import { DetailPane, labelKey } from './detail';
import { VirtualList } from './list';
import {
  addRecords,
  DEFAULT_FILTER,
  emptyData,
  filtered,
  hasMyLabel,
  move,
  type Filter,
  type Move,
  restoreViewState,
  type Selection,
  setAnnotations,
  upsertEntries,
  type ViewState,
} from './state';
import { Toolbar } from './toolbar';
import { vscode } from './vscodeApi';

const data = emptyData();
let view: ViewState = restoreViewState(null, '');
let items: number[] = [];
let initialised = false;
const requested = new Set<string>();

// ---- layout ------------------------------------------------------------------------------------
const toolbar = new Toolbar((patch) => setFilter(patch));
const list = new VirtualList({
  select: (target) => select(target),
  need: (keys) => fetchRecords(keys),
  scrolled: (top) => {
    view.scrollTop = top;
    schedule(false);
  },
});
const detail = new DetailPane({
  toggleLabel: (label) => toggleLabel(label),
  setNote: (note) => view.selection && vscode.postMessage({ type: 'setNote', target: view.selection, note }),
  done: () => list.el.focus(),
});
const errorBox = h('div', { class: 'error', role: 'alert' });
errorBox.hidden = true;
document
  .getElementById('app')!
  .replaceChildren(toolbar.el, toolbar.problems, errorBox, h('div', { class: 'main' }, list.el, detail.el));

// ---- drawing -----------------------------------------------------------------------------------
let frame = 0;
let refilter = false;
function schedule(filterChanged: boolean): void {
  refilter ||= filterChanged;
  if (!frame) frame = requestAnimationFrame(draw);
}

function draw(): void {
  frame = 0;
  if (refilter) {
    refilter = false;
    items = filtered(data, view.filter);
    list.setItems(items, data.entries);
  }
  const sel = view.selection;
  list.draw(
    data,
    sel,
    data.entries.length
      ? 'No discussion matches the filters.'
      : data.complete
        ? 'No discussions in this file yet: they appear as the run writes them.'
        : 'Reading…',
  );
  detail.render(data, sel);
  const labelled = data.entries.reduce((n, e) => n + (hasMyLabel(data, e.key) ? 1 : 0), 0);
  toolbar.setCount(
    `${items.length.toLocaleString()} of ${data.entries.length.toLocaleString()} discussions${data.complete ? '' : ' (reading…)'} · ${labelled.toLocaleString()} labelled by ${data.annotator || 'you'}`,
  );
  vscode.setState(view);
  // For tests: what the page shows.
  document.body.dataset.entries = String(data.entries.length);
  document.body.dataset.shown = String(items.length);
  document.body.dataset.annotations = String([...data.annotations.values()].reduce((n, g) => n + g.length, 0));
}

// ---- selection, filters, edits ------------------------------------------------------------------
function select(target: Selection | null): void {
  view.selection = target;
  if (target) list.reveal(target, data);
  schedule(false);
}

function moveSelection(m: Move): void {
  select(move(data, items, view.selection, m));
}

function setFilter(patch: Partial<Filter>): void {
  view.filter = { ...view.filter, ...patch };
  schedule(true);
}

function toggleLabel(label: string): void {
  if (!view.selection) moveSelection('first');
  if (view.selection) vscode.postMessage({ type: 'toggleLabel', target: view.selection, label });
}

function fetchRecords(keys: string[]): void {
  const fresh = keys.filter((k) => !requested.has(k));
  for (let i = 0; i < fresh.length; i += MAX_FETCH) {
    const batch = fresh.slice(i, i + MAX_FETCH);
    for (const k of batch) requested.add(k);
    vscode.postMessage({ type: 'fetch', keys: batch });
  }
}

// ---- keyboard ----------------------------------------------------------------------------------
const MOVES: Record<string, Move> = {
  j: 'nextDiscussion',
  k: 'previousDiscussion',
  ArrowDown: 'nextRow',
  ArrowUp: 'previousRow',
  ArrowRight: 'nextTurn',
  l: 'nextTurn',
  ArrowLeft: 'previousTurn',
  h: 'previousTurn',
  n: 'nextUnlabelled',
  N: 'previousUnlabelled',
  Home: 'first',
  End: 'last',
  Escape: 'discussion',
};

function typing(e: KeyboardEvent): boolean {
  const el = e.composedPath()[0] as HTMLElement | undefined;
  const tag = el?.tagName ?? '';
  return (
    tag === 'INPUT' ||
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    /^VSCODE-(TEXTFIELD|TEXTAREA|SINGLE-SELECT)$/.test((e.target as HTMLElement)?.tagName ?? '')
  );
}

document.addEventListener('keydown', (e) => {
  if (typing(e) || e.ctrlKey || e.metaKey || e.altKey || data.error) return;
  const m = MOVES[e.key];
  let handled = true;
  if (m) moveSelection(m);
  else if (/^[0-9]$/.test(e.key)) {
    const i = data.labels.findIndex((_, k) => labelKey(k) === e.key);
    if (i >= 0) toggleLabel(data.labels[i]);
  } else if (e.key === 'Enter' || e.key === 'e') {
    if (!view.selection) moveSelection('first');
    detail.focusNote();
  } else if (e.key === '/') toolbar.focusSearch();
  else handled = false;
  if (handled) e.preventDefault();
});

// ---- host messages -----------------------------------------------------------------------------
function apply(msg: HostToTranscripts): void {
  switch (msg.type) {
    case 'init': {
      Object.assign(data, {
        file: msg.file,
        labels: msg.labels,
        annotator: msg.annotator,
        problems: msg.problems,
        agreement: msg.agreement,
        error: msg.error,
        complete: msg.complete,
      });
      data.entries = [];
      data.position = new Map();
      data.records = new Map();
      requested.clear();
      upsertEntries(data, msg.entries);
      setAnnotations(data, msg.annotations);
      const first = !initialised;
      if (first || view.file !== msg.file) view = restoreViewState(vscode.getState(), msg.file);
      initialised = true;
      errorBox.hidden = !msg.error;
      errorBox.textContent = msg.error ?? '';
      toolbar.show(view.filter);
      toolbar.setLabels(data.labels, view.filter.label);
      toolbar.setProblems(data.problems);
      list.invalidate();
      refilter = true;
      draw();
      if (first) list.scrollTo(view.scrollTop);
      if (first) list.el.focus({ preventScroll: true });
      document.body.dataset.ready = 'true';
      schedule(false);
      return;
    }
    case 'entries':
      upsertEntries(data, msg.entries);
      data.problems.push(...msg.problems);
      data.complete = msg.complete;
      if (msg.problems.length) toolbar.setProblems(data.problems);
      schedule(true);
      return;
    case 'annotations':
      setAnnotations(data, msg.annotations);
      data.agreement = msg.agreement;
      data.problems = [...data.problems.filter((p) => p.file === 'transcripts'), ...msg.problems];
      toolbar.setProblems(data.problems);
      list.invalidate();
      schedule(view.filter.label !== '');
      return;
    case 'records':
      addRecords(data, msg.records, discussionKey);
      for (const r of msg.records) requested.delete(discussionKey(r));
      schedule(false);
      return;
    case 'config':
      data.labels = msg.labels;
      data.annotator = msg.annotator;
      toolbar.setLabels(data.labels, view.filter.label);
      list.invalidate();
      schedule(true);
      return;
    case 'reveal': {
      if (!data.position.has(msg.key)) return;
      if (!items.includes(data.position.get(msg.key)!)) {
        view.filter = { ...DEFAULT_FILTER };
        toolbar.show(view.filter);
        items = filtered(data, view.filter);
        list.setItems(items, data.entries);
      }
      select({ key: msg.key });
      return;
    }
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (!isHostToTranscripts(e.data)) {
    console.warn(`[maporl transcripts] dropped a malformed ${describeMessage(e.data)}`);
    return;
  }
  apply(e.data);
});
window.addEventListener('resize', () => schedule(false));
vscode.postMessage({ type: 'ready' });
