import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ApiError, RootfsDirEntry, RootfsDirListing } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { visible, formatBytes } from '../util/text';
import { usePanelMemory } from '../util/panel-memory';
import { useVirtualRows } from '../components/TableView';

type DirState = { listing: RootfsDirListing } | { error: ApiError } | 'loading';

/** One line of the tree: an entry (a treeitem) or a note under a folder (loading, error, more). */
type Row =
  | { kind: 'item'; entry: RootfsDirEntry; depth: number; parent: string; pos: number; setSize: number }
  | { kind: 'note'; key: string; depth: number; text: string; className: string };

const INDENT_PX = 14;
/** A tree line's height in px (one line of 12 px monospace with 2 px padding), the virtualizer's estimate. */
const ROW_PX = 22;

/** What a row says when hovered: kind, size, mode and, for what the container wrote, when. */
function describe(e: RootfsDirEntry): string {
  const what = e.badge === 'deleted' ? 'deleted by the container' : e.badge === 'written' ? 'written by the container' : e.badge ? `${e.badge} by the container` : 'as in the image';
  return `${e.kind}${e.kind === 'file' ? ', ' + formatBytes(e.size) : ''}${e.mode ? ', mode ' + e.mode.toString(8) : ''}${e.mtime ? ', modified ' + e.mtime : ''} — ${what}`;
}

/**
 * The image's root file system (--rootfs) merged with rootfs-diff.tar, one directory fetched when opened,
 * each entry badged added / changed / deleted against the image (main/services/rootfs-tree.ts).
 * Keyboard: the WAI-ARIA tree pattern (one tab stop; Up/Down, Right opens or enters, Left closes or goes to
 * the parent, Home/End, Enter opens a file in the viewer, a letter jumps to the next name starting with it).
 * "Changes only" keeps what the container wrote or deleted, with the folders holding changes opened.
 * Only the lines on screen are drawn (a folder lists up to 5,000 entries; /usr/lib has thousands).
 */
export function RootfsBrowser() {
  const client = useKensa((s) => s.client);
  const { openMember, openFile, summary, openedAt } = useKensaShallow((s) => ({ openMember: s.openMember, openFile: s.openFile, summary: s.rootfs.value, openedAt: s.session?.openedAt }));
  // What was opened stays while another panel is shown (per archive); listings are fetched again.
  const scope = openedAt !== undefined ? String(openedAt) : undefined;
  const [dirs, setDirs] = useState<Record<string, DirState>>({});
  const [open, setOpen] = usePanelMemory<Record<string, boolean>>(scope, 'rootfs.open', {});
  const [changesOnly, setChangesOnly] = usePanelMemory(scope, 'rootfs.changesOnly', false);
  const [active, setActive] = usePanelMemory<string | null>(scope, 'rootfs.active', null);
  const focusWanted = useRef(false);
  const items = useRef(new Map<string, HTMLDivElement>());
  const load = useCallback(
    (p: string) => {
      setDirs((d) => ({ ...d, [p]: 'loading' }));
      void client.rootfsDir({ path: p }).then((r) => setDirs((d) => ({ ...d, [p]: r.ok ? { listing: r.value } : { error: r.error } })));
    },
    [client],
  );
  useEffect(() => load('/'), [load]);
  // A file opened from elsewhere (a finding's or a YARA match's evidence) is shown in the tree: its folders
  // opened, the line made current and scrolled to once listed.
  const revealWanted = useRef<string | null>(null);
  useEffect(() => {
    const m = openMember ? /^(?:rootfs-diff\.tar\/|rootfs:\/)(.+)$/.exec(openMember) : null;
    if (!m) return;
    const parts = m[1].split('/').filter(Boolean);
    const target = '/' + parts.join('/');
    setOpen((o) => {
      const next = { ...o };
      for (let i = 1; i < parts.length; i++) next['/' + parts.slice(0, i).join('/')] = true;
      return next;
    });
    setActive(target);
    revealWanted.current = target;
  }, [openMember, setOpen, setActive]);
  const root = dirs['/'];
  const image = root !== undefined && root !== 'loading' && 'listing' in root ? root.listing.image : true;
  // Without an image every entry is a change: the folders open by themselves, as the old flat list showed them.
  const showChanges = changesOnly || !image;
  const isOpen = (e: RootfsDirEntry): boolean => e.kind === 'dir' && (open[e.path] ?? (showChanges && Boolean(e.holdsChanges)));

  const rows: Row[] = [];
  const toLoad: string[] = [];
  const flatten = (p: string, depth: number): void => {
    const st = dirs[p];
    if (!st || st === 'loading') {
      if (!st) toLoad.push(p);
      rows.push({ kind: 'note', key: p + ':loading', depth, text: 'Loading…', className: 'muted' });
      return;
    }
    if ('error' in st) {
      rows.push({ kind: 'note', key: p + ':error', depth, text: visible(st.error.message), className: 'danger' });
      return;
    }
    const entries = showChanges ? st.listing.entries.filter((e) => e.badge || e.holdsChanges) : st.listing.entries;
    entries.forEach((entry, i) => {
      rows.push({ kind: 'item', entry, depth, parent: p, pos: i + 1, setSize: entries.length });
      if (isOpen(entry)) flatten(entry.path, depth + 1);
    });
    if (entries.length === 0) rows.push({ kind: 'note', key: p + ':empty', depth, text: showChanges ? '(no changes here)' : '(empty)', className: 'muted' });
    if (st.listing.truncated) rows.push({ kind: 'note', key: p + ':more', depth, text: '(more entries than listed)', className: 'muted' });
  };
  flatten('/', 0);
  const itemRows = rows.filter((r): r is Extract<Row, { kind: 'item' }> => r.kind === 'item');
  const current = itemRows.find((r) => r.entry.path === active) ?? itemRows[0];
  const virtual = useVirtualRows(rows.length, ROW_PX);
  useEffect(() => {
    if (revealWanted.current === null) return;
    const index = rows.findIndex((r) => r.kind === 'item' && r.entry.path === revealWanted.current);
    if (index < 0) return;
    revealWanted.current = null;
    virtual.virtualizer.scrollToIndex(index, { align: 'auto' });
  });
  const toLoadKey = toLoad.join('\0');
  useEffect(() => {
    for (const p of toLoadKey ? toLoadKey.split('\0') : []) if (p !== '/') load(p);
  }, [toLoadKey, load]);
  useEffect(() => {
    if (!focusWanted.current || !current) return;
    // The line may be drawn only after the scroll to it: then the next render focuses it.
    const el = items.current.get(current.entry.path);
    if (!el) return;
    focusWanted.current = false;
    el.focus();
  });

  const moveTo = (path: string | undefined): void => {
    if (path === undefined) return;
    setActive(path);
    // A line on screen takes the focus now, in the key's own handler; one scrolled out of the drawn range
    // takes it once drawn (the effect above).
    const drawn = items.current.get(path);
    focusWanted.current = !drawn;
    drawn?.focus();
    const index = rows.findIndex((r) => r.kind === 'item' && r.entry.path === path);
    if (index >= 0) virtual.virtualizer.scrollToIndex(index, { align: 'auto' });
  };
  const setOpenState = (e: RootfsDirEntry, value: boolean): void => setOpen((o) => ({ ...o, [e.path]: value }));
  const activate = (e: RootfsDirEntry): void => {
    if (e.kind === 'dir') setOpenState(e, !isOpen(e));
    else if (e.member !== undefined) openFile(e.member);
  };
  const onKeyDown = (ev: KeyboardEvent<HTMLDivElement>): void => {
    if (!current || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const i = itemRows.indexOf(current);
    const e = current.entry;
    let handled = true;
    switch (ev.key) {
      case 'ArrowDown':
        moveTo(itemRows[i + 1]?.entry.path);
        break;
      case 'ArrowUp':
        moveTo(itemRows[i - 1]?.entry.path);
        break;
      case 'Home':
        moveTo(itemRows[0]?.entry.path);
        break;
      case 'End':
        moveTo(itemRows[itemRows.length - 1]?.entry.path);
        break;
      case 'ArrowRight':
        if (e.kind === 'dir' && !isOpen(e)) setOpenState(e, true);
        else if (e.kind === 'dir' && itemRows[i + 1]?.parent === e.path) moveTo(itemRows[i + 1].entry.path);
        break;
      case 'ArrowLeft':
        if (isOpen(e)) setOpenState(e, false);
        else if (current.parent !== '/') moveTo(current.parent);
        break;
      case 'Enter':
      case ' ':
        activate(e);
        break;
      default:
        // Type-ahead: the next visible name starting with the letter typed.
        if (ev.key.length === 1 && /\S/.test(ev.key)) {
          const k = ev.key.toLowerCase();
          const order = [...itemRows.slice(i + 1), ...itemRows.slice(0, i + 1)];
          moveTo(order.find((r) => r.entry.name.toLowerCase().startsWith(k))?.entry.path);
        } else handled = false;
    }
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  };

  const shown = virtual.virtualizer.getVirtualItems();
  const padTop = shown.length ? shown[0].start : 0;
  const currentShown = shown.some((v) => rows[v.index] === current);
  const padBottom = shown.length ? virtual.virtualizer.getTotalSize() - shown[shown.length - 1].end : 0;
  const diffLine = summary ? (summary.present ? `rootfs-diff.tar${summary.gzip ? ' (gzip)' : ''}: ${summary.entries.length} entries` : 'no rootfs-diff.tar') + (summary.deleted.length ? `, ${summary.deleted.length} deleted (deleted.files)` : '') : '';
  return (
    <div className="rootfs-browser" data-testid="rootfs-browser">
      <div className="tree-head">
        <span className="muted">{image ? 'Image (--rootfs) with the container\'s changes' : 'The container\'s changes only (open with a rootfs to see the image)'}{diffLine ? ` · ${diffLine}` : ''}</span>
        {image ? (
          <label>
            <input type="checkbox" data-testid="rootfs-changes-only" checked={changesOnly} onChange={(ev) => {
                const on = ev.target.checked;
                setChangesOnly(on);
                // Folders closed earlier open again when they hold changes: that is what the view is for.
                if (on) setOpen((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v)));
              }} /> changes only
          </label>
        ) : null}
      </div>
      <div
        className="tree"
        role="tree"
        aria-label="Root file system: image and the container's changes"
        onKeyDown={onKeyDown}
        ref={virtual.scrollRef}
        // The tab stop is the current line; scrolled out of the drawn range, the tree itself takes Tab and
        // hands the focus to that line.
        tabIndex={current && !currentShown ? 0 : undefined}
        onFocus={(ev) => {
          if (ev.target === ev.currentTarget && current) moveTo(current.entry.path);
        }}
      >
        {padTop > 0 ? <div aria-hidden="true" style={{ height: padTop }} /> : null}
        {shown.map((v) => {
          const r = rows[v.index];
          if (!r) return null;
          if (r.kind === 'note') return <div key={r.key} data-index={v.index} ref={virtual.virtualizer.measureElement} className={r.className} style={{ paddingLeft: 8 + r.depth * INDENT_PX }}>{r.text}</div>;
          const e = r.entry;
          const isDir = e.kind === 'dir';
          const expanded = isOpen(e);
          return (
            <div
              key={e.path}
              data-index={v.index}
              ref={(el) => {
                virtual.virtualizer.measureElement(el);
                if (el) items.current.set(e.path, el);
                else items.current.delete(e.path);
              }}
              role="treeitem"
              aria-level={r.depth + 1}
              aria-posinset={r.pos}
              aria-setsize={r.setSize}
              aria-expanded={isDir ? expanded : undefined}
              aria-selected={e.member !== undefined && openMember === e.member}
              tabIndex={r === current ? 0 : -1}
              className={'node mono' + (isDir ? ' dir' : '') + (e.badge === 'deleted' ? ' deleted' : '')}
              style={{ paddingLeft: 8 + r.depth * INDENT_PX }}
              data-path={e.path}
              data-badge={e.badge}
              onClick={() => {
                setActive(e.path);
                activate(e);
              }}
              title={describe(e)}
            >
              <span className="twisty" aria-hidden="true">{isDir ? (expanded ? '▾' : '▸') : ''}</span>
              <span className="name">
                {e.name}
                {e.kind === 'symlink' ? ` → ${visible(e.linkTarget)}` : ''}
              </span>
              {e.badge ? <span className={'badge badge-' + e.badge}>{e.badge}</span> : null}
              <span className="size muted">{e.kind === 'file' && e.badge !== 'deleted' ? formatBytes(e.size) : ''}</span>
            </div>
          );
        })}
        {padBottom > 0 ? <div aria-hidden="true" style={{ height: padBottom }} /> : null}
      </div>
    </div>
  );
}
