// Number and time formatting of every page (pure).

/** A metric value in at most 4 significant digits; `–` when missing. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export { formatDuration } from '../../src/protocol/webview';

/** Seconds between two ISO times (`to` defaults to now), null if either is missing or invalid. */
export function elapsedSeconds(from: string | null, to: string | null, now = Date.now()): number | null {
  if (!from) return null;
  const a = Date.parse(from),
    b = to ? Date.parse(to) : now;
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, (b - a) / 1000) : null;
}
