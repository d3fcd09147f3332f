// Where a JSON pointer (`/ppo/lr`, RFC 6901) sits in a JSON text, so a config value shown in the
// dashboard can open the config file at its line; the key under a hover; and the flat list of a
// config's scalar values. Built on the protocol's JSON scanner (protocol/jsonText.ts); pure.

import { escapePointerToken, offsetToPosition, scanJson, type TextPosition } from '../../protocol/jsonText';

/**
 * Position of a pointer in a JSON text; a pointer that is not there falls back to its nearest present
 * ancestor (the member that would hold it), and to the start of the text. Null when the text is not JSON.
 */
export function locatePointer(text: string, pointer: string): TextPosition | null {
  const { offsets, errorAt } = scanJson(text);
  if (errorAt !== null) return null;
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const at = offsets.get(p);
    if (at !== undefined) return offsetToPosition(text, at);
    if (!p) return { line: 0, column: 0 };
  }
}

/** The scalar leaves of a value as (pointer, printed value), in document order, at most `limit`. */
export function flattenScalars(value: unknown, limit = 200): { pointer: string; value: string }[] {
  const out: { pointer: string; value: string }[] = [];
  const walk = (v: unknown, pointer: string) => {
    if (out.length >= limit) return;
    if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== 'object') && v.length <= 8) out.push({ pointer, value: JSON.stringify(v) });
      else v.forEach((x, k) => walk(x, `${pointer}/${k}`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, `${pointer}/${escapePointerToken(k)}`);
    } else {
      out.push({ pointer, value: typeof v === 'string' ? v : JSON.stringify(v) });
    }
  };
  walk(value, '');
  return out;
}

/**
 * The key path of the member whose key spans `offset` in a JSON text (`['training', 'ppo', 'lr']`),
 * or null when the offset is not on a key (or the text is not JSON). For hovers over a config's keys.
 */
export function keyPathAt(text: string, offset: number): string[] | null {
  const { offsets, errorAt } = scanJson(text);
  if (errorAt !== null) return null;
  for (const [pointer, at] of offsets) {
    if (text[at] !== '"' || offset < at) continue;
    let end = at + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    if (offset > end) continue;
    // A string array item starts with a quote too: a key is followed by ":".
    let k = end + 1;
    while (k < text.length && /\s/.test(text[k])) k++;
    if (text[k] !== ':') continue;
    return pointer
      .slice(1)
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return null;
}
