// Final-answer extraction from model text, normalisation and grading.
//
// A response's answer is the content of its last `\boxed{…}` (braces may nest), or else the rest of
// its last line that contains `Answer:`. Numbers are compared as normalised decimal strings (no
// float parsing, so `1,450,000` and `0.1` stay exact); NLI answers as one of three label words;
// pairs (the pairsum task) as their last two numbers, smaller first.

export type AnswerKind = 'number' | 'label' | 'text' | 'pair';

export const NLI_LABELS = ['entailment', 'neutral', 'contradiction'] as const;
export type NliLabel = (typeof NLI_LABELS)[number];

/** Text of the last `\boxed{…}`, matching nested braces; null when there is none (or it is unclosed). */
export function lastBoxed(text: string): string | null {
  const marker = '\\boxed{';
  for (let start = text.lastIndexOf(marker); start >= 0; start = text.lastIndexOf(marker, start - 1)) {
    let depth = 1;
    const from = start + marker.length;
    for (let i = from; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) return text.slice(from, i);
    }
    if (start === 0) break;
  }
  return null;
}

/** The rest of the last line containing `Answer:` (case-insensitive), trimmed; null when none. */
export function lastAnswerLine(text: string): string | null {
  const matches = [...text.matchAll(/answer\s*:([^\n\r]*)/gi)];
  return matches.length === 0 ? null : matches[matches.length - 1][1].trim();
}

/** The answer span of a response: last `\boxed{}` content, else last `Answer:` line, else null. */
export function answerSpan(text: string): string | null {
  return lastBoxed(text) ?? lastAnswerLine(text);
}

// A sign counts only when it does not follow a digit, letter or `)`: in `10-4` the number is 4.
const NUMBER_RE = /(?:(?<![\w)])[-+])?\$?\s*(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)/g;

/**
 * Canonical decimal string of a number written by a person or a model: drops `$`, thousands
 * commas, a leading `+`, leading zeros and trailing fractional zeros (`18.00` → `18`, `-0` → `0`).
 * Returns null when `raw` is not a single number.
 */
export function normalizeNumber(raw: string): string | null {
  let s = raw.trim().replace(/\.$/, ''); // a sentence-final period: "Answer: 6."
  let sign = '';
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1).trimStart();
  }
  s = s.replace(/^\$\s*/, '');
  if (!/^(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$/.test(s) || s === '' || s === '.') return null;
  s = s.replace(/,/g, '');
  let [intPart, frac = ''] = s.split('.');
  intPart = intPart.replace(/^0+(?=\d)/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${intPart}.${frac}` : intPart;
  return body === '0' ? '0' : sign + body;
}

/** The last number in a span, normalised (e.g. `$1,000 total` → `1000`); null when there is none. */
export function lastNumber(span: string): string | null {
  const found = span.match(NUMBER_RE);
  if (!found) return null;
  for (let i = found.length - 1; i >= 0; i--) {
    const n = normalizeNumber(found[i]);
    if (n !== null) return n;
  }
  return null;
}

/** The NLI label named in a span (the last label word, case-insensitive); null when none. */
export function normalizeLabel(span: string): NliLabel | null {
  const found = span.toLowerCase().match(/\b(entailment|neutral|contradiction)\b/g);
  return found ? (found[found.length - 1] as NliLabel) : null;
}

/** The last two numbers of a span, smaller first and space-separated (`9 and 4` → `4 9`); null with fewer than two. */
export function normalizePair(span: string): string | null {
  const numbers = (span.match(NUMBER_RE) ?? []).map(normalizeNumber).filter((n): n is string => n !== null);
  if (numbers.length < 2) return null;
  return numbers
    .slice(-2)
    .sort((a, b) => Number(a) - Number(b))
    .join(' ');
}

/** Free text compared loosely: lower case, inner whitespace collapsed, a final period dropped. */
export function normalizeText(span: string): string {
  return span.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
}

/** Normalise an answer span by kind; for `text`, a span that is a number compares as a number. */
export function normalizeAnswer(kind: AnswerKind, span: string): string | null {
  switch (kind) {
    case 'number':
      return lastNumber(span);
    case 'label':
      return normalizeLabel(span);
    case 'pair':
      return normalizePair(span);
    case 'text':
      return normalizeNumber(span) ?? (normalizeText(span) || null);
  }
}

/** The normalised final answer of a model response, or null when it never states one. */
export function extractAnswer(kind: AnswerKind, response: string): string | null {
  const span = answerSpan(response);
  return span === null ? null : normalizeAnswer(kind, span);
}

/**
 * Ground-truth grade: does a (normalised or raw) predicted answer equal the normalised gold?
 * `predicted` null (no answer found) is always wrong.
 */
export function grade(kind: AnswerKind, predicted: string | null, gold: string): boolean {
  if (predicted === null) return false;
  const p = normalizeAnswer(kind, predicted);
  const g = normalizeAnswer(kind, gold);
  return p !== null && g !== null && p === g;
}
