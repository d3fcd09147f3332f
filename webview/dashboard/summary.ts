// The summary strip (run status, iteration, elapsed and ETA, execution provider, latest key metrics)
// and the config list whose values open the run's config at their place.
import { describeRuntime } from '../../src/protocol/runRecords';
import type { LabelSummary, RunHeader } from '../../src/protocol/webview';
import { h } from '../shared/dom';
import { elapsedSeconds, formatDuration, formatValue } from '../shared/format';
import { lastValue, seriesId, type MetricsColumns } from './metricsStore';

function field(label: string, value: string | Node, title?: string): HTMLElement {
  return h('div', { class: 'field', title }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
}

/** Label counts by label, notes and annotators: the tooltip of the Labels field. */
function labelsTitle(l: LabelSummary): string {
  const lines = l.byLabel.map((x) => `${x.label}: ${x.count}`);
  if (l.notes) lines.push(`notes: ${l.notes}`);
  lines.push(`${l.annotators} annotator${l.annotators === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** The provider the run's sessions ran on (the config's request until the engine reports), its details as the tooltip. */
function providerField(header: RunHeader): HTMLElement {
  const r = header.runtime;
  if (!r) return field('Provider', header.executionProvider ? `${header.executionProvider} (asked)` : '–');
  return field('Provider', r.fallback ? `⚠ ${r.used} (${r.asked} unavailable)` : r.used, `ran on ${describeRuntime(r)}`);
}

export function renderSummary(root: HTMLElement, header: RunHeader | null, m: MetricsColumns): void {
  if (!header) {
    root.replaceChildren(h('p', { class: 'loading' }, 'Loading run…'));
    return;
  }
  const running = header.status === 'running';
  const elapsed = elapsedSeconds(header.startedAt, running ? null : header.updatedAt);
  const step = header.totalSteps !== null ? `${header.step} / ${header.totalSteps}` : String(header.step);
  const lastTurn = m.turns > 0 ? m.turns : 1;
  root.replaceChildren(
    h(
      'div',
      { class: 'run-name' },
      h('span', { class: `status status-${header.status}`, role: 'status' }, header.status),
      ' ',
      h('strong', {}, header.name),
    ),
    field('Iteration', step),
    field('Elapsed', elapsed === null ? '–' : formatDuration(elapsed)),
    field('ETA', header.etaSeconds === null ? '–' : formatDuration(header.etaSeconds)),
    providerField(header),
    field('Reward', formatValue(lastValue(m, 'reward'))),
    field(`Majority acc. (turn ${lastTurn})`, formatValue(lastValue(m, seriesId('majorityAccuracy', lastTurn)))),
    header.labels ? field('Labels', String(header.labels.total), labelsTitle(header.labels)) : '',
    header.message ? h('div', { class: 'message', role: 'alert' }, header.message) : '',
    header.runtime?.fallback
      ? h(
          'div',
          { class: 'banner runtime-fallback', role: 'alert' },
          `Asked for ${header.runtime.asked}, running on ${header.runtime.used}: ${header.runtime.fallback}`,
        )
      : '',
  );
  if (header.totalSteps) {
    const bar = h('div', {
      class: 'progress',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': header.totalSteps,
      'aria-valuenow': header.step,
    });
    const fill = h('div', { class: 'progress-fill' });
    fill.style.width = `${Math.min(100, (100 * header.step) / header.totalSteps).toFixed(1)}%`;
    bar.append(fill);
    root.append(bar);
  }
}

export function renderConfig(root: HTMLElement, header: RunHeader | null, open: (pointer: string) => void): void {
  const entries = header?.config ?? [];
  if (!entries.length) {
    root.replaceChildren(h('p', { class: 'empty' }, 'No config.json in this run.'));
    return;
  }
  const list = h('dl', { class: 'config' });
  for (const { pointer, value } of entries) {
    const key = h(
      'button',
      { class: 'link', type: 'button', title: `Open config.json at ${pointer}` },
      pointer.slice(1).replace(/\//g, '.'),
    );
    key.addEventListener('click', () => open(pointer));
    list.append(h('dt', {}, key), h('dd', {}, value));
  }
  root.replaceChildren(list);
}
