// fast-check set-up shared by the fuzz tests: a fixed seed and a small number of cases in `npm test`,
// more (and a fresh, printed seed) in `npm run test:faults`; and generators that mutate valid inputs
// (JSON edits, byte flips, cuts and splices), which reach deeper into a reader than random noise.
import fc from 'fast-check';
import { baseSeed, LONG, say } from './faults';

/** fast-check parameters: `short` cases in npm test, `long` in test:faults; the seed is printed once per file. */
export function fuzzParams(short = 60, long = 2000): { seed: number; numRuns: number } {
  const seed = baseSeed();
  return { seed, numRuns: LONG ? long : short };
}

let printed = false;
/** Prints the seed (once) so that a failure can be replayed with MAPORL_FAULT_SEED. */
export function announce(): void {
  if (printed) return;
  printed = true;
  say(`fast-check seed ${baseSeed()} (${LONG ? 'long' : 'short'} run; replay with MAPORL_FAULT_SEED=${baseSeed()})`);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A copy of `value` with the node at `path` (indices chosen modulo the keys present) replaced or deleted. */
function edit(value: Json, path: number[], kind: 'replace' | 'delete', replacement: Json): Json {
  if (path.length === 0 || value === null || typeof value !== 'object') return kind === 'delete' ? null : replacement;
  const [i, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return [replacement];
    const k = i % value.length;
    const copy = [...value];
    if (rest.length === 0 && kind === 'delete') copy.splice(k, 1);
    else copy[k] = edit(copy[k], rest, kind, replacement);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return { [`k${i}`]: replacement };
  const key = keys[i % keys.length];
  const copy = { ...value };
  if (rest.length === 0 && kind === 'delete') delete copy[key];
  else copy[key] = edit(copy[key], rest, kind, replacement);
  return copy;
}

/** Interesting values for a JSON slot: wrong types, edge numbers, long and odd strings, paths. */
export const nastyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    0,
    -1,
    1e308,
    -1e308,
    2 ** 53,
    0.5,
    '',
    '../../../etc/passwd',
    '/etc/passwd',
    'C:\\Windows',
    '\u0000',
    'x'.repeat(5000),
    [],
    {},
    null,
    true,
  ),
);

/** 1 to 4 random edits (replace or delete a node somewhere) of `base`. */
export function mutatedJson(base: unknown): fc.Arbitrary<Json> {
  const one = fc.tuple(
    fc.array(fc.nat(), { minLength: 0, maxLength: 5 }),
    fc.constantFrom<'replace' | 'delete'>('replace', 'delete'),
    nastyJson,
  );
  return fc
    .array(one, { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce<Json>((v, [path, kind, r]) => edit(v, path, kind, r), base as Json));
}

/** `base` with bytes flipped, the end cut off, random bytes spliced in, or a region repeated. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const flip = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (b: Uint8Array) => {
    const c = Uint8Array.from(b);
    if (c.length) c[i % c.length] ^= x;
    return c;
  });
  const cut = fc.nat().map((n) => (b: Uint8Array) => b.slice(0, b.length ? n % b.length : 0));
  const splice = fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 64 })).map(([i, ins]) => (b: Uint8Array) => {
    const at = b.length ? i % b.length : 0;
    return Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
  });
  const repeat = fc.tuple(fc.nat(), fc.nat({ max: 32 })).map(([i, n]) => (b: Uint8Array) => {
    const at = b.length ? i % b.length : 0;
    return Uint8Array.from([...b.subarray(0, at + n), ...b.subarray(at)]);
  });
  return fc
    .array(fc.oneof(flip, flip, cut, splice, repeat), { minLength: 1, maxLength: 4 })
    .map((ops) => ops.reduce((b, op) => op(b), base));
}

/** Text of a JSONL file: lines that are valid records, mutated ones, random JSON, garbage, a cut last line. */
export function jsonlText(validRecords: unknown[]): fc.Arbitrary<string> {
  const line = fc.oneof(
    fc.constantFrom(...validRecords).map((r) => JSON.stringify(r)),
    fc
      .constantFrom(...validRecords)
      .chain((r) => mutatedJson(r))
      .map((r) => JSON.stringify(r) ?? 'null'),
    nastyJson.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '   ', '{', '[1,', '\uFEFF{}', '{"a":1}{"b":2}'),
  );
  return fc.tuple(fc.array(line, { maxLength: 12 }), fc.boolean()).map(([ls, cut]) => {
    const text = ls.join('\n') + (ls.length ? '\n' : '');
    return cut ? text.slice(0, Math.max(0, text.length - 3)) : text;
  });
}

/** Runs `f`, failing when it takes longer than `ms` (a reader that hangs, or nearly). */
export function quick<T>(what: string, f: () => T, ms = 3000): T {
  const t0 = performance.now();
  const out = f();
  const took = performance.now() - t0;
  if (took > ms) throw new Error(`${what} took ${Math.round(took)} ms`);
  return out;
}
