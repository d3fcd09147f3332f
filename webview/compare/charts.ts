// The overlaid training curves: one uPlot chart per metric, one colour per run and one dash per turn,
// and a dashed vertical marker at each side's checkpoint step labelled with the side's number. Charts
// are rebuilt on new data or a theme change (there are only a few, and no live updates).
import uPlot from 'uplot';
import type { CompareSideView, RunCurve } from '../../src/protocol/compareView';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import { readChartTheme } from '../shared/theme';
import { OVERLAYS, overlay } from './overlay';

const HEIGHT = 180;
const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
/** Steps are whole iterations: ticks at 1, 2, 5, 10, 20, 50, … */
const STEP_INCREMENTS = Array.from({ length: 8 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat();

export class CurveCharts {
  private plots: uPlot[] = [];
  private data: { curves: RunCurve[]; sides: CompareSideView[] } | null = null;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => {
      const w = this.width();
      for (const p of this.plots) if (Math.abs(p.width - w) > 2) p.setSize({ width: w, height: HEIGHT });
    }).observe(root);
  }

  render(curves: RunCurve[], sides: CompareSideView[]): void {
    this.data = { curves, sides };
    this.redraw();
  }

  /** Rebuilds the charts (new theme colours). */
  redraw(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.root.replaceChildren();
    if (!this.data) return;
    const { curves, sides } = this.data;
    const theme = readChartTheme();
    const axis = {
      stroke: theme.foreground,
      font: theme.font,
      grid: { stroke: theme.grid, width: 0.5 },
      ticks: { stroke: theme.grid, width: 0.5 },
    };
    for (const spec of OVERLAYS) {
      const o = overlay(curves, spec);
      if (o.series.length === 0) continue;
      const figure = h('figure', { class: 'chart', 'aria-label': spec.title }, h('figcaption', {}, spec.title));
      this.root.append(figure);
      const markers = sides.map((s, i) => ({
        step: s.step,
        label: `S${i + 1}`,
        run: curves.findIndex((c) => c.runDir === s.runDir),
      }));
      const opts: uPlot.Options = {
        width: this.width(),
        height: HEIGHT,
        scales: {
          x: {
            time: false,
            range: (_u, lo, hi) => [Math.min(lo, ...markers.map((m) => m.step)), Math.max(hi, ...markers.map((m) => m.step))],
          },
          y: spec.range ? { range: spec.range } : {},
        },
        axes: [
          { ...axis, label: 'step', labelFont: theme.font, labelSize: 18, incrs: STEP_INCREMENTS },
          { ...axis, size: 52, values: (_u, ticks) => ticks.map(formatValue) },
        ],
        series: [
          { label: 'step', value: (_u, v) => (v === null ? '–' : String(v)) },
          ...o.series.map((s) => ({
            label: s.label,
            stroke: theme.series[s.run % theme.series.length],
            dash: DASHES[(s.turn ?? 0) % DASHES.length],
            width: 1.5,
            spanGaps: true,
            points: { show: o.steps.length < 30, size: 4 },
            value: (_u: uPlot, v: number | null) => formatValue(v),
          })),
        ],
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
        hooks: {
          draw: [(u) => drawMarkers(u, markers, theme.series, theme.foreground, theme.font)],
        },
      };
      this.plots.push(new uPlot(opts, [o.steps, ...o.series.map((s) => s.values)] as uPlot.AlignedData, figure));
    }
    if (this.plots.length === 0)
      this.root.append(h('p', { class: 'empty' }, "No training curves: the runs' events.jsonl have no metrics."));
  }

  private width(): number {
    const full = Math.max(240, this.root.clientWidth);
    return full >= 760 ? Math.floor((full - 16) / 2) : full;
  }
}

/** A dashed vertical line at each side's step, in its run's colour, labelled S1, S2, … at the top. */
function drawMarkers(
  u: uPlot,
  markers: { step: number; label: string; run: number }[],
  colours: string[],
  text: string,
  font: string,
): void {
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  const top = u.bbox.top,
    bottom = u.bbox.top + u.bbox.height;
  ctx.save();
  ctx.font = font.replace(/^(\d+(?:\.\d+)?)px/, (_m, px: string) => `${Number(px) * dpr}px`);
  ctx.textBaseline = 'top';
  const seen = new Map<number, number>();
  for (const m of markers) {
    const x = Math.round(u.valToPos(m.step, 'x', true));
    if (x < u.bbox.left - 1 || x > u.bbox.left + u.bbox.width + 1) continue;
    ctx.strokeStyle = colours[Math.max(0, m.run) % colours.length];
    ctx.lineWidth = dpr;
    ctx.setLineDash([3 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    // Two sides at one step: their labels stack.
    const row = seen.get(x) ?? 0;
    seen.set(x, row + 1);
    ctx.fillStyle = text;
    // Right of the line, or left of it where the plot ends.
    const width = ctx.measureText(m.label).width;
    const left = x + 3 * dpr + width > u.bbox.left + u.bbox.width ? x - 3 * dpr - width : x + 3 * dpr;
    ctx.fillText(m.label, left, top + 2 * dpr + row * 14 * dpr);
  }
  ctx.restore();
}
