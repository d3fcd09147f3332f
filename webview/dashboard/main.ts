// The run dashboard's page. Boots from the saved view state (or the run directory the host put on the
// body), asks the host for a snapshot, then applies the host's batched updates, drawing at most once
// per animation frame. Every host message is validated before use; anything else is dropped.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { describeMessage, isHostToWebview } from '../../src/protocol/webview';
import { ChartGrid } from './charts';
import { DiscussionsView } from './discussions';
import { h } from './dom';
import { applyHostMessage, emptyData, restoreViewState, setFilter, toggleSeries, type Changes, type ViewState } from './state';
import { renderConfig, renderSummary } from './summary';
import { onThemeChange } from './theme';
import { vscode } from './vscodeApi';

const runDirOnPage = document.body.dataset.runDir ?? '';
let view: ViewState = restoreViewState(vscode.getState(), runDirOnPage);
if (runDirOnPage && view.runDir !== runDirOnPage) view = restoreViewState(null, runDirOnPage);
const data = emptyData();
const save = () => vscode.setState(view);
save();

// ---- layout ------------------------------------------------------------------------------------
const summary = h('section', { class: 'summary', 'aria-label': 'Run summary' });
const chartsRoot = h('div', { class: 'charts' });
const discussionsRoot = h('div', {});
const configRoot = h('div', {});
document.getElementById('app')!.replaceChildren(
  summary,
  h('section', { 'aria-label': 'Curves' }, h('h2', {}, 'Curves'), chartsRoot),
  h('section', { 'aria-label': 'Discussions' }, h('h2', {}, 'Discussions'), discussionsRoot),
  h('vscode-collapsible', { title: 'Config' }, configRoot),
);

const charts = new ChartGrid(chartsRoot, (id) => view.hiddenSeries.includes(id), (id, shown) => {
  view = toggleSeries(view, id, shown);
  save();
});
const discussions = new DiscussionsView(discussionsRoot, {
  openSource: (file, line) => vscode.postMessage({ type: 'openSource', runDir: view.runDir, file, line }),
  setFilter: (patch) => {
    view = setFilter(view, patch);
    save();
    schedule({ header: false, metrics: false, newSeries: false, transcripts: true });
  },
  annotate: (key) => vscode.postMessage({ type: 'annotate', runDir: view.runDir, ...(key ? { key } : {}) }),
  showMore: () => {
    view = { ...view, pages: view.pages + 1 };
    save();
    schedule({ header: false, metrics: false, newSeries: false, transcripts: true });
  },
});
discussions.showFilter(view.filter);

// ---- drawing, at most once per frame ------------------------------------------------------------
let pending: Changes | null = null;
let shownConfig = '';
function schedule(c: Changes): void {
  const first = pending === null;
  pending = pending
    ? { header: pending.header || c.header, metrics: pending.metrics || c.metrics, newSeries: pending.newSeries || c.newSeries, transcripts: pending.transcripts || c.transcripts }
    : c;
  if (first) requestAnimationFrame(draw);
}

function draw(): void {
  const c = pending;
  pending = null;
  if (!c) return;
  if (c.header || c.metrics) renderSummary(summary, data.header, data.metrics);
  const configKey = JSON.stringify(data.header?.config ?? []);
  if (c.header && configKey !== shownConfig) {
    shownConfig = configKey;
    renderConfig(configRoot, data.header, (pointer) => vscode.postMessage({ type: 'openConfig', runDir: view.runDir, pointer }));
  }
  if (c.metrics || c.newSeries) charts.render({ train: data.metrics, eval: data.evalMetrics }, c.newSeries);
  if (c.transcripts) discussions.render(data.transcripts, view);
  document.body.dataset.step = String(data.header?.step ?? 0); // lets tests wait for a given step
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const msg = e.data;
  if (!isHostToWebview(msg)) {
    console.warn(`[maporl dashboard] dropped a malformed ${describeMessage(msg)}`);
    return;
  }
  if (msg.header.runDir !== view.runDir) return;
  schedule(applyHostMessage(data, msg));
});

onThemeChange(() => schedule({ header: false, metrics: true, newSeries: true, transcripts: false }));
renderSummary(summary, null, data.metrics);
vscode.postMessage({ type: 'ready', runDir: view.runDir });
