import { useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, ReactElement, ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

/**
 * Sort and filter for a table: click a column header to sort by it (again to reverse); the filter keeps the
 * rows whose text (every column's value) contains what is typed, ignoring case.
 */
export interface TableView<T> {
  rows: T[];
  filter: string;
  setFilter(f: string): void;
  header(label: string, column: number): ReactElement;
  cell(label: string, column: number): ReactElement;
  /** True when a sort column is chosen (the natural order, e.g. the process tree, is left). */
  sorted: boolean;
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
  const sortButton = (label: string, column: number): ReactElement => (
    <button className="link sort" data-sort={label} onClick={() => setSort(sort?.column === column ? { column, desc: !sort.desc } : { column, desc: false })}>
      {label}
      {sort?.column === column ? (sort.desc ? ' ▾' : ' ▴') : ''}
    </button>
  );
  const ariaSort = (column: number): 'ascending' | 'descending' | 'none' => (sort?.column === column ? (sort.desc ? 'descending' : 'ascending') : 'none');
  const header = (label: string, column: number): ReactElement => (
    <th key={label} aria-sort={ariaSort(column)}>
      {sortButton(label, column)}
    </th>
  );
  /** The same header for a grid (not a `<table>`) row. */
  const cell = (label: string, column: number): ReactElement => (
    <span key={label} role="columnheader" aria-sort={ariaSort(column)}>
      {sortButton(label, column)}
    </span>
  );
  return { rows, filter, setFilter, header, cell, sorted: sort !== null };
}

export function FilterBox({ view, what }: { view: { filter: string; setFilter(f: string): void }; what: string }) {
  return <input type="search" className="table-filter" aria-label={`Filter ${what}`} placeholder={`filter ${what}`} value={view.filter} onChange={(e) => view.setFilter(e.target.value)} />;
}

/**
 * Only the rows on screen exist (virtualized with @tanstack/react-virtual): a table of 100,000 rows costs what
 * 30 do. The table sits in its own scroll box (the header stays on top); rows are measured as they are drawn,
 * so a wrapped command line keeps its height. `scrollToIndex` brings a row into view for keyboard moves.
 */
export function useVirtualRows(count: number, estimate = 24) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => estimate, overscan: 12 });
  return { scrollRef, virtualizer };
}

export type VirtualRows = ReturnType<typeof useVirtualRows>;

/** The props a virtual row's `<tr>` takes so that it is measured. */
export interface RowMeasure {
  'data-index': number;
  ref: (el: Element | null) => void;
}

export function VirtualTable<T>(props: {
  rows: T[];
  virtual: VirtualRows;
  testId: string;
  head: ReactNode;
  columns: number;
  row(item: T, index: number, measure: RowMeasure): ReactNode;
  onKeyDown?(e: KeyboardEvent<HTMLTableSectionElement>): void;
  maxHeight?: string;
}) {
  const { rows, virtual, testId, head, columns, row, onKeyDown, maxHeight = '60vh' } = props;
  const items = virtual.virtualizer.getVirtualItems();
  const total = virtual.virtualizer.getTotalSize();
  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? total - items[items.length - 1].end : 0;
  return (
    <div className="table-scroll" ref={virtual.scrollRef} style={{ maxHeight }} data-testid={`${testId}-scroll`}>
      <table className="data" data-testid={testId} data-rows={rows.length}>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {padTop > 0 ? <tr aria-hidden="true" className="pad" style={{ height: padTop }}><td colSpan={columns} /></tr> : null}
          {items.map((v) => (v.index < rows.length ? row(rows[v.index], v.index, { 'data-index': v.index, ref: virtual.virtualizer.measureElement }) : null))}
          {padBottom > 0 ? <tr aria-hidden="true" className="pad" style={{ height: padBottom }}><td colSpan={columns} /></tr> : null}
        </tbody>
      </table>
    </div>
  );
}
