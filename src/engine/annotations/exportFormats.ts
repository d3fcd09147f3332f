// The two export formats of `maporl annotations export`: CSV (RFC 4180) and JSONL.
import { EXPORT_COLUMNS, type ExportRow } from './join';

/**
 * One CSV field (RFC 4180 §2): a field holding a comma, a double quote or a line break is enclosed
 * in double quotes and its quotes doubled. Null is the empty field; booleans are true/false.
 * Model text is not trusted: control characters other than line breaks become U+FFFD, and a text
 * that a spreadsheet would run as a formula (=, +, -, @, tab first: OWASP's "CSV injection") gets a
 * leading apostrophe. Numbers are written as they are (-0.5 stays a number).
 */
export function csvField(value: string | number | boolean | null): string {
  let s = value === null ? '' : String(value);
  if (typeof value === 'string') {
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    s = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
    const number = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value); // "-3" is an answer, not a formula
    if (/^[=+\-@\t\r]/.test(value) && !number) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header row and one row per annotation, CRLF line ends as RFC 4180 specifies. */
export function toCsv(rows: ExportRow[]): string {
  const lines = [EXPORT_COLUMNS.join(','), ...rows.map((r) => EXPORT_COLUMNS.map((c) => csvField(r[c])).join(','))];
  return lines.map((l) => `${l}\r\n`).join('');
}

/** One JSON object per annotation, keys in column order. */
export function toJsonl(rows: ExportRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}
