// The y axis of a chart fitted to its data: the span of the values with a margin, never uPlot's
// default 0–100 around a flat line, and inside the metric's bounds when it has some (an accuracy
// stays within 0–1 but zooms to 0.52–0.61 when that is where it moves). Pure.

/** Fraction of the data's span added above and below. */
const MARGIN = 0.1;

/**
 * The [min, max] to draw for data between `min` and `max` (null: no data). A flat series gets a
 * span of its own: 5% of its value each way, or ±0.5 around 0. `bounds` clamps the result.
 */
export function fitRange(min: number | null, max: number | null, bounds?: readonly [number, number]): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max))
    return bounds ? [bounds[0], bounds[1]] : [0, 1];
  const span = max - min;
  const pad = span > 0 ? span * MARGIN : Math.abs(max) > 0 ? Math.abs(max) * 0.05 : 0.5;
  let lo = min - pad,
    hi = max + pad;
  if (bounds) {
    lo = Math.max(bounds[0], lo);
    hi = Math.min(bounds[1], hi);
    if (hi <= lo) [lo, hi] = [bounds[0], bounds[1]];
  }
  return [lo, hi];
}
