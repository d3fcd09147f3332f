// What the comparison page remembers across hides and restarts (VS Code's setState): the sides, which
// the panel serializer reopens, the form, and the comparison and question shown. And the number
// formats of its tables. Pure: no DOM.

export interface FormValues {
  source: string;
  questions: number;
  seed: number;
}

export interface PageState {
  /** Checkpoint paths of the sides, in order (read by the host's serializer). */
  sides: string[];
  form: FormValues | null;
  /** Key of the comparison shown and the line of the question opened in it. */
  key: string | null;
  line: number | null;
}

export function restorePageState(saved: unknown): PageState {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  const f = s.form as Record<string, unknown> | undefined;
  const form =
    f && typeof f.source === 'string' && Number.isInteger(f.questions) && Number.isInteger(f.seed)
      ? { source: f.source, questions: f.questions as number, seed: f.seed as number }
      : null;
  return {
    sides: Array.isArray(s.sides) ? s.sides.filter((p): p is string => typeof p === 'string') : [],
    form,
    key: typeof s.key === 'string' ? s.key : null,
    line: Number.isInteger(s.line) ? (s.line as number) : null,
  };
}

/** A form value typed on the page: an integer in [min, max], else null. */
export function parseCount(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** `62.5%` */
export const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
/** A difference in percentage points, signed: `+5.0`, `−2.5`, `0.0`. */
export const points = (x: number) => {
  const v = (100 * x).toFixed(1);
  return x > 0 && v !== '0.0' ? `+${v}` : x < 0 && v !== '-0.0' ? `−${v.slice(1)}` : '0.0';
};
/** McNemar's p: two significant digits, `<0.001` below that. */
export const pValue = (p: number) => (p < 0.001 ? '<0.001' : Number(p.toPrecision(2)).toString());
