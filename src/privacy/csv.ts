/** RFC 4180 CSV: a header row, then one row per record; fields with a comma, quote or line break are quoted. */
export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  const field = (value: unknown) => {
    const text = value == null ? '' : value instanceof Date ? value.toISOString() : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns, ...rows.map((row) => columns.map((c) => row[c]))].map((line) => line.map(field).join(',')).join('\r\n') + '\r\n';
}
