// The two export formats of `maporl annotations export`: CSV (RFC 4180) and JSONL.
import { EXPORT_COLUMNS, type ExportRow } from './join';

/**
 * One CSV field (RFC 4180 §2): a field holding a comma, a double quote or a line break is enclosed
 * in double quotes and its quotes doubled. Null is the empty field; booleans are true/false.
 */
export function csvField(value: string | number | boolean | null): string {
  const s = value === null ? '' : String(value);
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
