// Small line charts as standalone SVG files for docs/ (no plotting library: a few lines with
// optional error bars, axes with ticks and a legend are all the report needs).

export interface Series {
  name: string;
  /** [x, y] points; `err` is a symmetric error bar per point (e.g. the std over seeds). */
  points: [number, number][];
  err?: number[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Integer ticks on x (turns) instead of evenly spaced ones. */
  integerX?: boolean;
}

const W = 560,
  H = 320,
  M = { left: 56, right: 170, top: 32, bottom: 44 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export function lineChart(series: Series[], o: ChartOptions): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p, i) => [p[1] - (s.err?.[i] ?? 0), p[1] + (s.err?.[i] ?? 0)]).flat());
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.1 || 0.01;
  const [y0, y1] = [Math.min(...ys) - pad, Math.max(...ys) + pad];
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="8" y="18" font-size="13">${esc(o.title)}</text>`,
  ];
  for (const t of ticks(y0, y1, 5)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  const xt = o.integerX ? range(Math.ceil(x0), Math.floor(x1)) : ticks(x0, x1, 6);
  for (const t of xt) out.push(`<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    out.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
    );
    s.points.forEach(([x, y], i) => {
      const e = s.err?.[i];
      if (e) out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${py(y - e)}" y2="${py(y + e)}" stroke="${c}"/>`);
      if (s.points.length <= 12) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${c}"/>`);
    });
    const ly = M.top + 8 + 16 * k;
    out.push(`<line x1="${W - M.right + 12}" x2="${W - M.right + 30}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 36}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function ticks(lo: number, hi: number, n: number): number[] {
  const step0 = (hi - lo) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  return range(Math.ceil(lo / step), Math.floor(hi / step)).map((i) => +(i * step).toPrecision(10));
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(3).replace(/0+$/, ''));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
