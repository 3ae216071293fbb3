import type { KeyboardEvent } from 'react';
import type { VmaInfo } from '#shared/api/contract';
import { useKensaShallow } from '../../stores/hooks';
import { LoadView } from '../../components/LoadView';
import { formatBytes, visible } from '../../util/text';
import { hex } from '#shared/format';

export const ORIGIN_LABELS: [string, string][] = [
  ['pages', 'in checkpoint'],
  ['shmem', 'shared memory'],
  ['rootfs-diff', 'file (rootfs)'],
  ['ghost-file', 'deleted file (ghost)'],
  ['zero', 'zero / not dumped'],
  ['missing-lazy', 'missing'],
  ['past-eof', 'past end of file'],
  ['unmapped', 'unmapped'],
];

export function Legend() {
  return (
    <div className="legend">
      {ORIGIN_LABELS.map(([o, label]) => (
        <span key={o}>
          <span className={`swatch o-${o}`} />
          {label}
        </span>
      ))}
    </div>
  );
}

function Bar({ v }: { v: VmaInfo }) {
  const start = BigInt(v.start);
  const size = Number(BigInt(v.end) - start) || 1;
  return (
    <div className="bar" aria-hidden="true">
      {v.runs.map((r) => (
        <span key={r.start} className={`o-${r.origin}`} style={{ width: `${(Number(BigInt(r.end) - BigInt(r.start)) / size) * 100}%` }} />
      ))}
    </div>
  );
}

/** The memory map: every VMA with its pages present vs missing; clicking one shows it in the hex view. */
/** Bytes of a VMA whose content comes from its mapped file rather than from the checkpoint's pages. */
function fileBytes(v: VmaInfo): number {
  return (v.origins['rootfs-diff'] ?? 0) + (v.origins.rootfs ?? 0) + (v.origins['ghost-file'] ?? 0);
}

export function VmaMap() {
  const { vmas, view, pid, showVma } = useKensaShallow((s) => ({ vmas: s.vmas, view: s.view, pid: s.selectedPid, showVma: s.showVma }));
  return (
    <div className="vmamap" data-testid="vma-map">
      <LoadView load={vmas} what="the memory map">
        {(list) => {
          if (!list.length) return <div className="muted" style={{ padding: 8 }}>This process has no memory map (no mm image: a zombie or a kernel thread).</div>;
          // Addresses as the hex view writes them (0x, lowercase, no padding), right-aligned in the width of a
          // user-space address (47 bits: 0x + 12 digits) so the list reads as a column; vsyscall's is longer.
          const starts = list.map((v) => hex(BigInt(v.start)));
          const sel = list.findIndex((v) => view && view.pid === pid && BigInt(v.start) === view.start);
          const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
            const next = e.key === 'ArrowDown' ? Math.min(list.length - 1, sel + 1) : e.key === 'ArrowUp' ? Math.max(0, sel - 1) : -1;
            if (next < 0 || pid === null) return;
            e.preventDefault();
            showVma(pid, list[next]);
            (e.currentTarget.querySelectorAll('.vma')[next] as HTMLElement | undefined)?.focus();
          };
          return (
            <div role="listbox" aria-label="Memory map" onKeyDown={onKey}>
              {list.map((v, i) => (
                <div
                  key={v.start}
                  className="vma"
                  role="option"
                  tabIndex={i === Math.max(0, sel) ? 0 : -1}
                  aria-selected={i === sel}
                  data-start={v.start}
                  data-end={v.end}
                  onClick={() => pid !== null && showVma(pid, v)}
                  title={`${v.start}-${v.end} ${v.perms} ${v.kind}\nin checkpoint ${formatBytes(v.present)}, from file ${formatBytes(fileBytes(v))}, missing ${formatBytes(v.missing)}`}
                >
                  <div className="line mono">
                    <span className="addr">{starts[i]}</span>
                    <span>{v.perms}</span>
                    <span className="muted">{formatBytes(v.size)}</span>
                    <span className="name">{visible(v.name) || <span className="muted">[{v.kind}]</span>}</span>
                  </div>
                  <Bar v={v} />
                  <div className="line muted">
                    {/* The legend's words: "in checkpoint" (pages, shmem, parent), "file" (the mapped file, read from rootfs-diff.tar, --rootfs or a ghost file). */}
                    in checkpoint {formatBytes(v.present)}
                    {fileBytes(v) ? <span>from file {formatBytes(fileBytes(v))}</span> : null}
                    {v.missing ? <span className="danger">missing {formatBytes(v.missing)}</span> : null}
                    {v.notDumped ? <span>not dumped</span> : null}
                  </div>
                </div>
              ))}
            </div>
          );
        }}
      </LoadView>
    </div>
  );
}
