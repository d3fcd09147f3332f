// The sweep report page, drawn here on the host: per cell the majority accuracy at every turn after
// training (mean ± std over the finished seeds, as `maporl sweep report`), and the training reward of
// every cell as its mean over seeds with a ±1 std band, in one SVG. The page's script only posts
// refresh/openRun (protocol/sweepReportView.ts). The shared page skeleton (webview/page.ts) with the
// host's markup in its main region: no inline style or script. Pure.
import type { Stat } from '../../engine/sweep/report';
import { escapeHtml, webviewHtml, type PageAssets } from '../webview/page';
import type { BandPoint } from './curves';
import type { SweepReportData } from './sweepDirs';

const pct = (s: Stat | null | undefined) =>
  s ? `${(100 * s.mean).toFixed(1)}${s.std === null ? '' : ` ± ${(100 * s.std).toFixed(1)}`}` : '–';

export function sweepReportHtml(d: SweepReportData, p: Omit<PageAssets, 'title'>): string {
  const { report: r } = d;
  const T = Math.max(1, ...r.cells.map((c) => c.majorityAccuracyAfter.length));
  const turns = Array.from({ length: T }, (_, t) => t);
  const rows = r.cells
    .map(
      (c, i) => `<tr>
<td><span class="swatch c${i % PALETTE}"></span>${escapeHtml(c.cell)}</td><td>${c.finished}/${c.runs.length}</td>
${turns.map((t) => `<td>${pct(c.majorityAccuracyAfter[t])}</td>`).join('')}
<td>${pct(c.majorityAccuracyBefore.at(-1))}</td><td>${pct(c.meanAgentAccuracyAfter.at(-1))}</td>
<td>${c.runs.map((name) => `<button class="link" data-action="openRun" data-run="${escapeHtml(name)}">${escapeHtml(name.slice(c.cell.length + 2) || name)}</button>`).join(' ')}</td>
</tr>`,
    )
    .join('\n');
  const body = `<header><h1>Sweep ${escapeHtml(r.name)}</h1><button data-action="refresh">Refresh</button></header>
<p class="dir">${escapeHtml(d.dir)} — ${r.finished} of ${r.runs} runs finished.</p>
<h2>Majority accuracy after training, per turn</h2>
<p class="note">In %, mean ± sample standard deviation over the finished seeds of each cell.</p>
<table>
<thead><tr><th>cell</th><th>n</th>${turns.map((t) => `<th>turn ${t + 1}</th>`).join('')}<th>final turn before training</th><th>mean agent (final turn)</th><th>runs</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Training reward</h2>
<p class="note">Mean over the seeds of each cell at every iteration; the band is ±1 standard deviation.</p>
${rewardChart(d.curves)}`;
  return webviewHtml({ ...p, title: `Sweep ${r.name}`, content: { body } });
}

/** Colours c0…c7 of the stylesheet (the theme's chart colours). */
const PALETTE = 8;
const W = 640,
  H = 260,
  PAD = { left: 48, right: 12, top: 10, bottom: 28 };

/** One SVG: per cell a band polygon (mean ± std where there are two seeds or more) under its mean line. */
export function rewardChart(curves: { cell: string; seeds: number; band: BandPoint[] }[]): string {
  const pts = curves.flatMap((c) => c.band);
  if (!pts.length) return '<p class="empty">No training metrics yet.</p>';
  const lo = Math.min(...pts.map((b) => b.mean - (b.std ?? 0))),
    hi = Math.max(...pts.map((b) => b.mean + (b.std ?? 0)));
  const s0 = Math.min(...pts.map((b) => b.step)),
    s1 = Math.max(...pts.map((b) => b.step));
  const x = (s: number) => PAD.left + ((s - s0) / (s1 - s0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - lo) / (hi - lo || 1)) * (H - PAD.top - PAD.bottom);
  const xy = (s: number, v: number) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`;
  const series = curves
    .map((c, i) => {
      const withStd = c.band.filter((b) => b.std !== null);
      const band =
        withStd.length > 1
          ? `<polygon class="band c${i % PALETTE}" points="${[...withStd.map((b) => xy(b.step, b.mean + b.std!)), ...withStd.reverse().map((b) => xy(b.step, b.mean - b.std!))].join(' ')}"/>`
          : '';
      const line = c.band.length
        ? `<polyline class="mean c${i % PALETTE}" points="${c.band.map((b) => xy(b.step, b.mean)).join(' ')}"><title>${escapeHtml(c.cell)} (${c.seeds} seed${c.seeds === 1 ? '' : 's'})</title></polyline>`
        : '';
      return band + line;
    })
    .join('\n');
  const axis = `<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>
<text class="tick" x="${PAD.left - 4}" y="${y(hi) + 4}" text-anchor="end">${hi.toPrecision(3)}</text>
<text class="tick" x="${PAD.left - 4}" y="${y(lo)}" text-anchor="end">${lo.toPrecision(3)}</text>
<text class="tick" x="${PAD.left}" y="${H - 8}">${s0}</text>
<text class="tick" x="${W - PAD.right}" y="${H - 8}" text-anchor="end">iteration ${s1}</text>`;
  const legend = curves
    .map(
      (c, i) =>
        `<li><span class="swatch c${i % PALETTE}"></span>${escapeHtml(c.cell)} <span class="n">(${c.seeds} seed${c.seeds === 1 ? '' : 's'})</span></li>`,
    )
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Training reward per cell, mean ± std over seeds">
${axis}
${series}
</svg>
<ul class="legend">${legend}</ul>`;
}
