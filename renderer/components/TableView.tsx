import { useMemo, useState } from 'react';

/**
 * Sort and filter for a table: click a column header to sort by it (again to reverse); the filter keeps the
 * rows whose text (every column's value) contains what is typed, ignoring case.
 */
export interface TableView<T> {
  rows: T[];
  filter: string;
  setFilter(f: string): void;
  header(label: string, column: number): JSX.Element;
}

export function useTableView<T>(all: T[], columns: ((row: T) => string | number)[]): TableView<T> {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ column: number; desc: boolean } | null>(null);
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    let out = f ? all.filter((r) => columns.some((c) => String(c(r)).toLowerCase().includes(f))) : all;
    if (sort) {
      const key = columns[sort.column];
      out = [...out].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
        return sort.desc ? -d : d;
      });
    }
    return out;
    // columns are accessors recreated each render; they read the same fields.
  }, [all, filter, sort]);
  const header = (label: string, column: number): JSX.Element => (
    <th key={label} aria-sort={sort?.column === column ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="link sort" data-sort={label} onClick={() => setSort(sort?.column === column ? { column, desc: !sort.desc } : { column, desc: false })}>
        {label}
        {sort?.column === column ? (sort.desc ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
  return { rows, filter, setFilter, header };
}

export function FilterBox({ view, what }: { view: { filter: string; setFilter(f: string): void }; what: string }) {
  return <input type="search" className="table-filter" aria-label={`Filter ${what}`} placeholder={`filter ${what}`} value={view.filter} onChange={(e) => view.setFilter(e.target.value)} />;
}
