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
import '../shared/base.css';
import './dashboard.css';
import { describeMessage } from '../../src/protocol/check';
import { isHostToWebview } from '../../src/protocol/webview';
import { ChartGrid } from './charts';
import { DiscussionsView } from './discussions';
import { h } from '../shared/dom';
import { baseAgentsWarning, configValue, emptyChartMessage, showsBaseStage } from './guidance';
import { renderBaseStage, renderOutcome, renderWarning } from './guidanceView';
import { applyHostMessage, emptyData, restoreViewState, setFilter, toggleSeries, type Changes, type ViewState } from './state';
import { renderConfig, renderSummary } from './summary';
import { onThemeChange } from '../shared/theme';
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
const warningRoot = h('div', {});
const stageRoot = h('div', {});
const outcomeRoot = h('div', {});
const curves = h('section', { 'aria-label': 'Curves' }, h('h2', {}, 'Curves'), chartsRoot);
document
  .getElementById('app')!
  .replaceChildren(
    summary,
    warningRoot,
    outcomeRoot,
    stageRoot,
    curves,
    h('section', { 'aria-label': 'Discussions' }, h('h2', {}, 'Discussions'), discussionsRoot),
    h('vscode-collapsible', { title: 'Config' }, configRoot),
  );

const openConfig = (pointer: string) => vscode.postMessage({ type: 'openConfig', runDir: view.runDir, pointer });
const charts = new ChartGrid(
  chartsRoot,
  (id) => view.hiddenSeries.includes(id),
  (id, shown) => {
    view = toggleSeries(view, id, shown);
    save();
  },
  {
    // The config key that shapes a curve, with its value, opening the config at that key.
    captionLink: (spec) => {
      if (!spec.configKey) return null;
      const key = spec.configKey.slice(1).replace(/\//g, '.');
      const value = configValue(data.header, spec.configKey);
      const link = h(
        'button',
        { class: 'link config-key', type: 'button', title: `Reveal ${key} in the config` },
        value === null ? key : `${key} = ${value}`,
      );
      link.addEventListener('click', () => openConfig(spec.configKey!));
      return link;
    },
    emptyMessage: (spec) => emptyChartMessage(spec, data.header),
  },
);
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
    ? {
        header: pending.header || c.header,
        metrics: pending.metrics || c.metrics,
        newSeries: pending.newSeries || c.newSeries,
        transcripts: pending.transcripts || c.transcripts,
      }
    : c;
  if (first) requestAnimationFrame(draw);
}

function draw(): void {
  const c = pending;
  pending = null;
  if (!c) return;
  if (c.header || c.metrics) renderSummary(summary, data.header, data.metrics);
  const configKey = JSON.stringify(data.header?.config ?? []);
  const configChanged = c.header && configKey !== shownConfig;
  if (configChanged) {
    shownConfig = configKey;
    renderConfig(configRoot, data.header, openConfig);
  }
  if (c.header || c.metrics) {
    renderWarning(warningRoot, baseAgentsWarning(data.metrics, data.evalMetrics), () =>
      vscode.postMessage({ type: 'runCommand', runDir: view.runDir, command: 'maporl.prepareBaseAgents' }),
    );
    const stage = showsBaseStage(data.header, data.metrics, data.evalMetrics);
    renderBaseStage(stageRoot, stage ? (data.header?.baseStage ?? null) : null);
    curves.classList.toggle('hidden-by-stage', stage);
    renderOutcome(outcomeRoot, data.header?.outcome);
  }
  // Captions name config values and empty charts the run's state: rebuild when those change.
  if (c.metrics || c.newSeries || c.header)
    charts.render({ train: data.metrics, eval: data.evalMetrics }, c.newSeries || Boolean(configChanged));
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
