import type { ReactNode } from 'react';

/** A definition list; rows whose value is undefined or '' are left out (absent, not guessed). */
export function KeyValue({ rows, testId }: { rows: [string, ReactNode | undefined][]; testId?: string }) {
  return (
    <dl className="kv" data-testid={testId}>
      {rows
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}
