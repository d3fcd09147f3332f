// The curves: one uPlot chart per metric group over the shared step axis. uPlot draws to a canvas with
// no eval and no inline styles in markup, so it works under the panel's strict CSP. Its legend gives the
// hover values and the series toggles (click, or Enter/Space on a focused legend entry); hidden series
// are remembered in the view state. New data calls setData; new series or a new theme rebuild the charts.
import uPlot from 'uplot';
import { CHARTS, chartData, chartSeries, type ChartSpec, type MetricsColumns } from './metricsStore';

/** The two curves a chart may draw from. */
export interface Curves {
  train: MetricsColumns;
  eval: MetricsColumns;
}
import { fitRange } from './axes';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { readChartTheme, type ChartTheme } from '../shared/theme';

const HEIGHT = 170;
/** Tick spacings of the step axis: whole steps only (no 1.5). */
const STEP_INCREMENTS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000,
];

interface Chart {
  spec: ChartSpec;
  plot: uPlot;
  figure: HTMLElement;
  empty: HTMLElement;
  visible: boolean;
  stale: boolean;
}

/** What a chart shows around its canvas: a link to its config key, and the message of an empty chart. */
export interface ChartDecor {
  captionLink(spec: ChartSpec): Node | null;
  emptyMessage(spec: ChartSpec): string;
}

export class ChartGrid {
  private charts: Chart[] = [];
  private builtFor = '';
  private curves: Curves | null = null;
  private readonly resizeObserver: ResizeObserver;
  // Charts scrolled out of view skip redraws (10,000 points x 8 charts each batch) until they return.
  private readonly visibility = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const chart = this.charts.find((c) => c.figure === e.target);
      if (!chart) continue;
      chart.visible = e.isIntersecting;
      if (chart.visible && chart.stale) this.draw(chart);
    }
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly isHidden: (id: string) => boolean,
    private readonly onToggle: (id: string, shown: boolean) => void,
    private readonly decor: ChartDecor,
  ) {
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(root);
  }

  /** Draws the columns; rebuilds the charts when the series or the theme changed (`rebuild`). */
  render(curves: Curves, rebuild: boolean): void {
    this.curves = curves;
    const key = `${curves.train.turns}/${curves.eval.turns}`;
    if (rebuild || key !== this.builtFor || this.charts.length === 0) {
      this.build(curves, readChartTheme());
      this.builtFor = key;
      return;
    }
    for (const c of this.charts) {
      if (c.visible) this.draw(c);
      else c.stale = true;
    }
  }

  private draw(c: Chart): void {
    if (!this.curves) return;
    const data = chartData(columnsOf(this.curves, c.spec), c.spec);
    c.plot.setData(data as uPlot.AlignedData);
    this.showEmpty(c, data);
    c.stale = false;
  }

  /** An empty chart says what it waits for (over its blank canvas), a chart with data hides that. */
  private showEmpty(c: Chart, data: (number | null)[][]): void {
    const hasData = data.slice(1).some((col) => col.some((v) => v !== null));
    c.figure.classList.toggle('is-empty', !hasData);
    c.figure.hidden = !hasData && c.spec.whenLogged === true;
    if (!hasData) c.empty.textContent = this.decor.emptyMessage(c.spec);
    c.figure.dataset.distinct = String(distinctValues(data[1] ?? [], 3)); // lets tests see a curve that moves
  }

  private width(): number {
    // Two columns when there is room for two charts of 360px, else one.
    const full = Math.max(240, this.root.clientWidth);
    return full >= 760 ? Math.floor((full - 16) / 2) : full;
  }

  private resize(): void {
    const w = this.width();
    for (const c of this.charts) if (Math.abs(c.plot.width - w) > 2) c.plot.setSize({ width: w, height: HEIGHT });
  }

  private build(curves: Curves, theme: ChartTheme): void {
    for (const c of this.charts) {
      this.visibility.unobserve(c.figure);
      c.plot.destroy();
    }
    this.root.replaceChildren();
    this.charts = CHARTS.map((spec) => {
      const m = columnsOf(curves, spec);
      const series = chartSeries(spec, m.turns);
      const empty = h('p', { class: 'chart-empty', role: 'note' });
      const figure = h(
        'figure',
        { class: 'chart', 'aria-label': spec.title },
        h('figcaption', {}, spec.title, this.decor.captionLink(spec)),
        empty,
      );
      this.root.append(figure);
      const axis = {
        stroke: theme.foreground,
        font: theme.font,
        grid: { stroke: theme.grid, width: 0.5 },
        ticks: { stroke: theme.grid, width: 0.5 },
      };
      const opts: uPlot.Options = {
        width: this.width(),
        height: HEIGHT,
        // Fitted to the shown data (inside the metric's bounds): a flat line is drawn flat, not lost in 0–100.
        scales: { x: { time: false }, y: { range: (_u, min, max) => fitRange(min, max, spec.range) } },
        axes: [
          { ...axis, label: 'step', labelFont: theme.font, labelSize: 18, incrs: STEP_INCREMENTS },
          { ...axis, size: 52, values: (_u, ticks) => ticks.map(formatValue) },
        ],
        series: [
          { label: 'step', value: (_u, v) => (v === null ? '–' : String(v)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: theme.series[i % theme.series.length],
            width: 1.5,
            show: !this.isHidden(s.id),
            spanGaps: true,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => formatValue(v),
          })),
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        hooks: {
          setSeries: [
            (u, idx) => {
              if (idx !== null && idx > 0) this.onToggle(series[idx - 1].id, u.series[idx].show !== false);
            },
          ],
        },
      };
      const data = chartData(m, spec);
      const plot = new uPlot(opts, data as uPlot.AlignedData, figure);
      makeLegendKeyboardReachable(plot);
      this.visibility.observe(figure);
      const chart = { spec, plot, figure, empty, visible: true, stale: false };
      this.showEmpty(chart, data);
      return chart;
    });
  }
}

/** How many different values a column holds, counting up to `cap` (the newest points first). */
function distinctValues(col: readonly (number | null)[], cap: number): number {
  const seen = new Set<number>();
  for (let i = col.length - 1; i >= 0 && seen.size < cap; i--) if (col[i] !== null) seen.add(col[i]!);
  return seen.size;
}

function columnsOf(curves: Curves, spec: ChartSpec): MetricsColumns {
  return spec.source === 'eval' ? curves.eval : curves.train;
}

/** uPlot's legend toggles on click only: give its entries focus and Enter/Space. */
function makeLegendKeyboardReachable(plot: uPlot): void {
  const rows = plot.root.querySelectorAll<HTMLTableRowElement>('.u-legend .u-series');
  rows.forEach((row, i) => {
    const idx = i + (rows.length === plot.series.length ? 0 : 1);
    if (idx === 0) return; // the step column is not a series
    const label = row.querySelector('th');
    if (!label) return;
    label.tabIndex = 0;
    label.setAttribute('role', 'switch');
    const sync = () => label.setAttribute('aria-checked', String(plot.series[idx].show !== false));
    sync();
    label.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      plot.setSeries(idx, { show: plot.series[idx].show === false });
      sync();
    });
    label.addEventListener('click', () => setTimeout(sync));
  });
}
