import { useCallback, useEffect, useState, type ReactElement } from 'react';
import type { ApiError, RootfsDirListing } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { visible, formatBytes } from '../util/text';

type DirState = { listing: RootfsDirListing } | { error: ApiError } | 'loading';

/**
 * The image's root file system (--rootfs) merged with rootfs-diff.tar, one directory fetched when opened,
 * each entry badged added / changed / deleted against the image (main/services/rootfs-tree.ts).
 */
export function RootfsBrowser() {
  const client = useKensa((s) => s.client);
  const { openMember, openFile } = useKensaShallow((s) => ({ openMember: s.openMember, openFile: s.openFile }));
  const [dirs, setDirs] = useState<Record<string, DirState>>({});
  const [open, setOpen] = useState<Record<string, boolean>>({ '/': true });
  const load = useCallback(
    (p: string) => {
      setDirs((d) => ({ ...d, [p]: 'loading' }));
      void client.rootfsDir({ path: p }).then((r) => setDirs((d) => ({ ...d, [p]: r.ok ? { listing: r.value } : { error: r.error } })));
    },
    [client],
  );
  useEffect(() => load('/'), [load]);
  const toggle = (p: string): void => {
    setOpen((o) => ({ ...o, [p]: !o[p] }));
    if (!dirs[p]) load(p);
  };
  const renderDir = (p: string, depth: number): ReactElement[] => {
    const st = dirs[p];
    if (!st || st === 'loading') return [<div key={p + ':loading'} className="muted" style={{ paddingLeft: 8 + depth * 14 }}>Loading…</div>];
    if ('error' in st) return [<div key={p + ':error'} className="danger" style={{ paddingLeft: 8 + depth * 14 }}>{visible(st.error.message)}</div>];
    const rows: ReactElement[] = [];
    for (const e of st.listing.entries) {
      const isDir = e.kind === 'dir';
      const canOpen = !isDir && e.member !== undefined;
      rows.push(
        <div
          key={e.path}
          role="treeitem"
          className={'node mono' + (isDir ? ' dir' : '') + (e.badge === 'deleted' ? ' danger' : '')}
          aria-expanded={isDir ? Boolean(open[e.path]) : undefined}
          aria-selected={canOpen ? openMember === e.member : undefined}
          tabIndex={isDir || canOpen ? 0 : -1}
          style={{ paddingLeft: 8 + depth * 14 }}
          data-path={e.path}
          data-badge={e.badge}
          onClick={() => (isDir ? toggle(e.path) : canOpen && openFile(e.member!))}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              if (isDir) toggle(e.path);
              else if (canOpen) openFile(e.member!);
            }
          }}
          title={`${e.kind}, ${formatBytes(e.size)}, mode ${e.mode.toString(8)}`}
        >
          {isDir ? (open[e.path] ? '▾ ' : '▸ ') : ''}
          {e.name}
          {e.kind === 'symlink' ? ` → ${visible(e.linkTarget)}` : ''}
          {e.badge ? <span className={'badge badge-' + e.badge}> {e.badge}</span> : null}
          {e.kind === 'file' && e.badge !== 'deleted' ? <span className="muted"> {formatBytes(e.size)}</span> : null}
        </div>,
      );
      if (isDir && open[e.path]) rows.push(...renderDir(e.path, depth + 1));
    }
    if (st.listing.truncated) rows.push(<div key={p + ':more'} className="muted" style={{ paddingLeft: 8 + depth * 14 }}>(more entries than listed)</div>);
    return rows;
  };
  const root = dirs['/'];
  return (
    <div data-testid="rootfs-browser" role="group" aria-label="Root file system (image and changes)">
      <div className="muted" style={{ padding: '0 8px 4px' }}>
        {root && root !== 'loading' && 'listing' in root && !root.listing.image ? 'Root file system: the container\'s changes only (open with a rootfs to see the image)' : 'Root file system: the image with the container\'s changes'}
      </div>
      {renderDir('/', 0)}
    </div>
  );
}
