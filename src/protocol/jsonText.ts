// Positions in a JSON text, for messages and editors that must point into a file rather than at a
// parsed value: where a text first goes wrong (config errors say line and column, and V8's JSON.parse
// names the offset for most errors but not all: "Unexpected token '}', … is not valid JSON" has none),
// and where each member of a valid text sits by JSON pointer (RFC 6901), so a config value shown in a
// panel can open the file at its line. One scanner follows the JSON grammar (RFC 8259) for both.

export interface TextPosition {
  line: number;
  column: number;
} // both 0-based

/** What one pass over a JSON text found. */
export interface JsonScan {
  /** Offset of the key of every member (or of the value of every array item), by JSON pointer; complete only when valid. */
  offsets: Map<string, number>;
  /** Offset of the first character that cannot continue a valid document; null when the text is valid JSON. */
  errorAt: number | null;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const DIGIT = /[0-9]/;

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function scanJson(text: string): JsonScan {
  const offsets = new Map<string, number>();
  let i = 0;
  class Stop {
    constructor(readonly at: number) {}
  }
  const fail = (at = i): never => {
    throw new Stop(Math.min(at, text.length));
  };
  const ws = () => {
    while (i < text.length && WS.has(text[i])) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail();
  };
  const digits = () => {
    if (!DIGIT.test(text[i] ?? '')) fail();
    while (DIGIT.test(text[i] ?? '')) i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') return void i++;
      if (c < ' ') fail(); // raw control character
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i + k);
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) digits();
    else fail();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (pointer: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const keyAt = i;
        string();
        const child = `${pointer}/${escapePointerToken(JSON.parse(text.slice(keyAt, i)) as string)}`;
        offsets.set(child, keyAt);
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(child);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let k = 0; ; k++) {
        ws();
        offsets.set(`${pointer}/${k}`, i);
        value(`${pointer}/${k}`);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || DIGIT.test(c ?? '')) return number();
    fail();
  };
  try {
    value('');
    ws();
    if (i < text.length) fail();
    return { offsets, errorAt: null };
  } catch (e) {
    if (e instanceof Stop) return { offsets, errorAt: e.at };
    throw e;
  }
}

/** Offset of the first syntax error in `text`, or null when it is valid JSON. */
export const jsonErrorOffset = (text: string): number | null => scanJson(text).errorAt;

/** The offsets of `scanJson`; throws when the text is not valid JSON. */
export function pointerOffsets(text: string): Map<string, number> {
  const { offsets, errorAt } = scanJson(text);
  if (errorAt !== null) throw new Error(`JSON: syntax error at offset ${errorAt}`);
  return offsets;
}

export function offsetToPosition(text: string, offset: number): TextPosition {
  let line = 0,
    lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart };
}
