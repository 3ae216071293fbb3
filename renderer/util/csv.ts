/**
 * Tables as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF between
 * records). Archive strings arrive already made visible (`visible()`), so no control character reaches a
 * spreadsheet; a field starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
 */
export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Offer `csv` as a download named `name` (works in the browser and in Electron's renderer). */
export function downloadCsv(name: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
