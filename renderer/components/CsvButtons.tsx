import { useState } from 'react';
import { copyText } from '../util/clipboard';
import { downloadCsv, toCsv } from '../util/csv';

/** "Copy CSV" and "Export CSV" for a table: `rows()` is called on click (the whole table, not the rows on screen). */
export function CsvButtons({ name, header, rows }: { name: string; header: string[]; rows: () => unknown[][] }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="csv-buttons" style={{ display: 'inline-flex', gap: 4 }}>
      <button
        data-testid={`csv-copy-${name}`}
        title="Copy the table as CSV"
        onClick={() => void copyText(toCsv(header, rows())).then((ok) => setCopied(ok))}
      >
        {copied ? 'Copied' : 'Copy CSV'}
      </button>
      <button data-testid={`csv-export-${name}`} title="Save the table as a CSV file" onClick={() => downloadCsv(`kensa-${name}.csv`, toCsv(header, rows()))}>
        Export CSV
      </button>
    </span>
  );
}
