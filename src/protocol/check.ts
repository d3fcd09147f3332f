// Tiny structural validators for records read from disk and for the messages between the host and
// its webviews: each returns null when the value fits, or one line naming the JSON path of the first
// problem (`turns[1][0].verifier: expected …`). Plain TypeScript (no zod) so webview bundles stay light.

export type Check = (value: unknown, path: string) => string | null;

const at = (path: string, msg: string) => `${path || '$'}: ${msg}`;
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const str: Check = (v, p) => (typeof v === 'string' ? null : at(p, `expected a string, got ${kind(v)}`));
export const bool: Check = (v, p) => (typeof v === 'boolean' ? null : at(p, `expected a boolean, got ${kind(v)}`));
export const num: Check = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? null : at(p, `expected a finite number, got ${kind(v)}`);
export const int =
  (min: number): Check =>
  (v, p) =>
    Number.isInteger(v) && (v as number) >= min ? null : at(p, `expected an integer >= ${min}, got ${JSON.stringify(v)}`);
export const range =
  (lo: number, hi: number): Check =>
  (v, p) =>
    typeof v === 'number' && v >= lo && v <= hi ? null : at(p, `expected a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
export const oneOf =
  (values: readonly string[]): Check =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? null : at(p, `expected one of ${values.join('|')}, got ${JSON.stringify(v)}`);
export const nullable =
  (c: Check): Check =>
  (v, p) =>
    v === null ? null : c(v, p);
export const optional =
  (c: Check): Check =>
  (v, p) =>
    v === undefined ? null : c(v, p);

export const arrayOf =
  (item: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return at(p, `expected an array, got ${kind(v)}`);
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };

/** An object with these fields (extra fields are allowed: newer writers may add some). */
export const object =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (!isObject(v)) return at(p, `expected an object, got ${kind(v)}`);
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(v[key], p ? `${p}.${key}` : key);
      if (problem) return problem;
    }
    return null;
  };

/** A map from string keys to values of one check. */
export const record =
  (value: Check): Check =>
  (v, p) => {
    if (!isObject(v)) return at(p, `expected an object, got ${kind(v)}`);
    for (const [key, x] of Object.entries(v)) {
      const problem = value(x, p ? `${p}.${key}` : key);
      if (problem) return problem;
    }
    return null;
  };

/** Both checks must pass. */
export const all =
  (...checks: Check[]): Check =>
  (v, p) => {
    for (const c of checks) {
      const problem = c(v, p);
      if (problem) return problem;
    }
    return null;
  };

/** A custom condition on an already-checked value. */
export const where =
  (test: (v: unknown) => boolean, msg: string): Check =>
  (v, p) =>
    test(v) ? null : at(p, msg);

/** A type guard that passes where `check` finds no problem. */
export const passes =
  <T>(check: Check) =>
  (v: unknown): v is T =>
    check(v, '') === null;

/** A JSON pointer (RFC 6901) a page may name: empty or starting with "/", at most 4096 characters. */
export const jsonPointer: Check = where(
  (v) => typeof v === 'string' && v.length <= 4096 && (v === '' || v.startsWith('/')),
  'expected a JSON pointer',
);

/**
 * The validator of one direction of a panel's messages `{type, …}`: the check of the message's type, or
 * a problem for a type the table does not name (`toString`, `__proto__` included).
 */
export function messageValidator<T extends string>(checks: Record<T, Check>): (x: unknown) => string | null {
  return (x) => {
    if (!isObject(x)) return '$: expected an object';
    const check = typeof x.type === 'string' && Object.hasOwn(checks, x.type) ? checks[x.type as T] : undefined;
    return check ? check(x, '') : `type: unknown message type ${quoteType(x.type)}`;
  };
}

/**
 * A message's `type` quoted for an error, at most 60 characters. Only strings are quoted: any other
 * value is named by its kind, since `String()` of a page's object may throw (`{toString: null}`).
 */
function quoteType(type: unknown): string {
  return typeof type === 'string' ? JSON.stringify(type).slice(0, 60) : `(${type === null ? 'null' : typeof type})`;
}

/** A short description of a rejected message for the log (never the whole payload). */
export function describeMessage(x: unknown): string {
  if (!isObject(x)) return `non-object message (${x === null ? 'null' : typeof x})`;
  return `message of type ${quoteType(x.type)}`;
}
