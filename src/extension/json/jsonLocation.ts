// Where a JSON pointer (`/ppo/lr`, RFC 6901) sits in a JSON text, so a config value shown in the
// dashboard can open the config file at its line; and the flat list of a config's scalar values.
// A small recursive-descent scanner that records the offset of each member's key; pure.

export interface TextPosition { line: number; column: number } // both 0-based

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Offset of the key of every member (or of the value of every array item), by JSON pointer. */
export function pointerOffsets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const fail = (what: string): never => { throw new Error(`JSON: ${what} at offset ${i}`); };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const keyAt = i;
        const child = `${pointer}/${escapePointerToken(str())}`;
        out.set(child, keyAt);
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        value(child);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail('expected "," or "}"');
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (let k = 0; ; k++) {
        ws();
        out.set(`${pointer}/${k}`, i);
        value(`${pointer}/${k}`);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail('expected "," or "]"');
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      if (!m) fail('unexpected character');
      i += m![0].length;
    }
  };
  value('');
  return out;
}

export function offsetToPosition(text: string, offset: number): TextPosition {
  let line = 0, lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') { line++; lineStart = k + 1; }
  }
  return { line, column: offset - lineStart };
}

/**
 * Position of a pointer in a JSON text; a pointer that is not there falls back to its nearest present
 * ancestor (the member that would hold it), and to the start of the text. Null when the text is not JSON.
 */
export function locatePointer(text: string, pointer: string): TextPosition | null {
  let offsets: Map<string, number>;
  try {
    offsets = pointerOffsets(text);
  } catch {
    return null;
  }
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
  let offsets: Map<string, number>;
  try {
    offsets = pointerOffsets(text);
  } catch {
    return null;
  }
  for (const [pointer, at] of offsets) {
    if (text[at] !== '"' || offset < at) continue;
    let end = at + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    if (offset > end) continue;
    // A string array item starts with a quote too: a key is followed by ":".
    let k = end + 1;
    while (k < text.length && /\s/.test(text[k])) k++;
    if (text[k] !== ':') continue;
    return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return null;
}
