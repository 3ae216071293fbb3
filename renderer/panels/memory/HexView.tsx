import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { KeyboardEvent, MouseEvent } from 'react';
import { useScaledScroll } from './scaled-scroll';
import { useKensa, useKensaShallow } from '../../stores/hooks';
import { usePageCache } from '../../memory/context';
import { ORIGIN_NAMES, isKnownOrigin, decodeBase64 } from '../../memory/page-cache';
import { parseAddress } from '../../stores/slices/util';
import { NoteButton } from '../../components/NoteButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import type { ApiError } from '#shared/api/contract';
import { bytesToAscii, bytesToHex, formatBytes, hexByte, visible } from '../../util/text';
import { copyText } from '../../util/clipboard';
import { Legend } from './VmaMap';

const ROW_BYTES = 16;
const ROW_HEIGHT = 18;
const MAX_COPY = 1024 * 1024;
const ZERO = ORIGIN_NAMES.indexOf('zero');
const NOT_DUMPED = ORIGIN_NAMES.indexOf('not-dumped');
const UNMAPPED = ORIGIN_NAMES.indexOf('unmapped');

/** Every address in the hex view (rows, cursor, address box, selection) is written one way: 0x, lowercase, no padding. */
export function addressText(v: bigint): string {
  return '0x' + v.toString(16);
}

/**
 * A hex view over one VMA: the scrollbar covers the whole mapping (scaled past a few million rows, see
 * scaled-scroll.ts), only the rows on screen exist, the address box follows the cursor; jump to address,
 * selection, copy as hex / ASCII.
 */
export function HexView() {
  const { view, setCursor, jumpTo, client } = useKensaShallow((s) => ({ view: s.view, setCursor: s.setCursor, jumpTo: s.jumpTo, client: s.client }));
  const vmas = useKensa((s) => s.vmas.value);
  const cache = usePageCache();
  useSyncExternalStore(cache.subscribe, cache.getVersion);
  const scrollRef = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const [addrText, setAddrText] = useState('');
  const [editingAddr, setEditingAddr] = useState(false);
  const [message, setMessage] = useState<ApiError | string | null>(null);

  const totalRows = view ? Number((view.end - view.start + BigInt(ROW_BYTES - 1)) / BigInt(ROW_BYTES)) : 0;
  const scroll = useScaledScroll(scrollRef, totalRows, ROW_HEIGHT);
  const { reveal } = scroll;

  // A jump (new serial): show the cursor in the middle.
  useEffect(() => {
    if (!view) return;
    reveal(Number((view.cursor - view.start) / BigInt(ROW_BYTES)), 'center');
    // Only a new jump (serial) recentres; a scroll that changes `view` otherwise must not.
  }, [view?.serial]);
  // When the pane grows or shrinks (window, toolbar or status line reflowing), the cursor stays on screen.
  useEffect(() => {
    if (view) reveal(Number((view.cursor - view.start) / BigInt(ROW_BYTES)), 'nearest');
  }, [scroll.visibleRows]);

  // The address box shows the cursor (one address everywhere), except while the analyst types in it. It is
  // derived in the same render as the cursor and the rows, so the three can never disagree, even for a frame.
  const cursorText = view ? addressText(view.cursor) : '';
  const boxText = editingAddr ? addrText : cursorText;

  if (!view) return <div className="hexpane"><div className="empty">Select a VMA in the memory map, or jump to an address.</div></div>;

  const sel = view.selection;
  const addrOf = (e: MouseEvent): bigint | undefined => {
    const a = (e.target as HTMLElement).closest('[data-a]')?.getAttribute('data-a');
    return a ? BigInt(a) : undefined;
  };
  const onMouseDown = (e: MouseEvent): void => {
    const a = addrOf(e);
    if (a === undefined) return;
    dragging.current = true;
    setCursor(a, e.shiftKey);
    scrollRef.current?.focus();
  };
  const onMouseOver = (e: MouseEvent): void => {
    if (!dragging.current || !(e.buttons & 1)) {
      dragging.current = false;
      return;
    }
    const a = addrOf(e);
    if (a !== undefined) setCursor(a, true);
  };

  const visibleRows = Math.max(1, scroll.visibleRows - 1);
  const move = (delta: bigint, extend: boolean): void => {
    let c = view.cursor + delta;
    if (c < view.start) c = view.start;
    if (c >= view.end) c = view.end - 1n;
    setCursor(c, extend);
    reveal(Number((c - view.start) / BigInt(ROW_BYTES)), 'nearest');
  };
  const copySelection = async (as: 'hex' | 'ascii'): Promise<void> => {
    const range = sel ?? { start: view.cursor, end: view.cursor + 1n };
    const len = Number(range.end - range.start);
    if (len > MAX_COPY) {
      setMessage(`the selection is ${formatBytes(len)}; copy takes at most ${formatBytes(MAX_COPY)}`);
      return;
    }
    const r = await client.readMemory({ pid: view.pid, address: '0x' + range.start.toString(16), length: len });
    if (!r.ok) {
      setMessage(r.error);
      return;
    }
    const bytes = decodeBase64(r.value.data);
    await copyText(as === 'hex' ? bytesToHex(bytes) : bytesToAscii(bytes));
    setMessage(`copied ${len} byte${len === 1 ? '' : 's'} as ${as}`);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const ext = e.shiftKey;
    const page = BigInt(visibleRows * ROW_BYTES);
    switch (e.key) {
      case 'ArrowLeft': move(-1n, ext); break;
      case 'ArrowRight': move(1n, ext); break;
      case 'ArrowUp': move(-16n, ext); break;
      case 'ArrowDown': move(16n, ext); break;
      case 'PageUp': move(-page, ext); break;
      case 'PageDown': move(page, ext); break;
      case 'Home': move(e.ctrlKey ? view.start - view.cursor : -(view.cursor % 16n), ext); break;
      case 'End': move(e.ctrlKey ? view.end - 1n - view.cursor : 15n - (view.cursor % 16n), ext); break;
      case 'c':
        if (e.ctrlKey || e.metaKey) void copySelection(e.shiftKey ? 'ascii' : 'hex');
        else return;
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  const onJump = async (): Promise<void> => {
    const a = parseAddress(boxText);
    if (a === undefined) {
      setMessage('type an address: 0x… hex or decimal');
      return;
    }
    const r = await jumpTo(view.pid, a);
    setMessage(r.ok ? null : r.error);
    setEditingAddr(false);
  };

  const vma = vmas?.find((v) => BigInt(v.start) === view.start);
  const size = view.end - view.start;
  const fraction = size > 0n ? Number(((view.cursor - view.start) * 10000n) / size) : 0;
  const cursorChunk = cache.bytes(view.pid, view.cursor, view.cursor + 1n);
  const cursorOrigin = cursorChunk ? ORIGIN_NAMES[cursorChunk.origin[0]] : '…';

  return (
    <div className="hexpane" data-testid="hex-view">
      <div className="toolbar">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void onJump();
          }}
        >
          <label className="row" style={{ gap: 4 }}>
            Address
            <input className="addr mono" type="text" aria-label="Address" placeholder="0x address" value={boxText} onFocus={() => { setAddrText(cursorText); setEditingAddr(true); }} onBlur={() => setEditingAddr(false)} onChange={(e) => { setEditingAddr(true); setAddrText(e.target.value); }} data-testid="hex-address-input" title="The cursor's address; type another and press Enter (Go) to jump" />
          </label>
          <button type="submit">Go</button>
        </form>
        <label className="row" style={{ gap: 4 }} title="Where the cursor is in the VMA; drag to jump">
          Position
          <input
            type="range"
            min={0}
            max={10000}
            value={fraction}
            aria-label="Position in the VMA"
            aria-valuetext={`${(fraction / 100).toFixed(1)}% of the VMA`}
            style={{ width: 90 }}
            onChange={(e) => {
              const a = view.start + ((size * BigInt(e.target.value)) / 10000n / 16n) * 16n;
              void jumpTo(view.pid, a < view.end ? a : view.end - 16n);
            }}
          />
          <span className="mono muted" data-testid="hex-position">{(fraction / 100).toFixed(1)}%</span>
        </label>
        <span className="group" role="group" aria-label="Copy the selection">
          Copy
          <button onClick={() => void copySelection('hex')} title="Copy the selection as hex (Ctrl+C)" aria-label="Copy hex">hex</button>
          <button onClick={() => void copySelection('ascii')} title="Copy the selection as ASCII (Ctrl+Shift+C)" aria-label="Copy ASCII">ASCII</button>
        </span>
        <NoteButton
          target={{ kind: 'memory', pid: view.pid, address: '0x' + (sel?.start ?? view.cursor).toString(16), length: Number(sel ? sel.end - sel.start : 1n) }}
          label={`memory of process ${view.pid} at 0x${(sel?.start ?? view.cursor).toString(16)}`}
        />
      </div>
      <div
        className="hexscroll"
        ref={scrollRef}
        tabIndex={0}
        role="grid"
        aria-label="Memory bytes"
        onScroll={scroll.onScroll}
        onKeyDown={onKey}
        onMouseDown={onMouseDown}
        onMouseOver={onMouseOver}
        onMouseUp={() => (dragging.current = false)}
      >
        <div style={{ height: scroll.contentPx, position: 'relative' }}>
          {Array.from({ length: Math.max(0, Math.min(scroll.visibleRows + 1, totalRows - scroll.top)) }, (_, index) => {
            const item = { index, key: scroll.top + index, start: scroll.offsetPx + index * ROW_HEIGHT };
            const rowAddr = view.start + BigInt(scroll.top + index) * BigInt(ROW_BYTES);
            const rowEnd = rowAddr + BigInt(ROW_BYTES) < view.end ? rowAddr + BigInt(ROW_BYTES) : view.end;
            const bytes = cache.bytes(view.pid, rowAddr, rowEnd);
            const n = Number(rowEnd - rowAddr);
            const hexCells = [];
            const ascii = [];
            for (let i = 0; i < ROW_BYTES; i++) {
              const a = rowAddr + BigInt(i);
              if (i >= n) {
                hexCells.push(<span key={i} className={'b' + (i === 8 ? ' gap' : '')} />);
                continue;
              }
              const o = bytes ? bytes.origin[i] : -1;
              const b = bytes ? bytes.data[i] : 0;
              let cls = 'b' + (i === 8 ? ' gap' : '');
              let ccls = 'c';
              let text = '··';
              let ch = ' ';
              if (o >= 0) {
                if (o === UNMAPPED) text = '  ';
                else if (!isKnownOrigin(o)) {
                  text = '??';
                  ch = '?';
                  cls += ' miss';
                  ccls += ' miss';
                } else {
                  text = hexByte(b);
                  ch = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
                  if (o === ZERO || o === NOT_DUMPED) cls += ' zero';
                }
              }
              if (sel && a >= sel.start && a < sel.end) {
                cls += ' sel';
                ccls += ' sel';
              }
              if (a === view.cursor) {
                cls += ' cur';
                ccls += ' cur';
              }
              const key = addressText(a);
              hexCells.push(<span key={i} className={cls} data-a={key}>{text}</span>);
              ascii.push(<span key={i} className={ccls} data-a={key}>{ch}</span>);
            }
            return (
              // aria-busy: the row's bytes are still being fetched, so its cells show placeholders, not memory.
              <div key={item.key} className={'hexrow' + (view.cursor >= rowAddr && view.cursor < rowEnd ? ' currow' : '')} data-addr={addressText(rowAddr)} aria-busy={bytes ? undefined : true} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
                <span className="a">{addressText(rowAddr)}</span>
                {hexCells}
                <span className="ascii">{ascii}</span>
              </div>
            );
          })}
        </div>
      </div>
      <div className="hexstatus">
        <span>
          cursor <span className="mono" data-testid="hex-cursor">{addressText(view.cursor)}</span>
        </span>
        <span>+0x{(view.cursor - view.start).toString(16)} in VMA</span>
        <span>origin {cursorOrigin}</span>
        {sel ? <span data-testid="hex-selection">selected {Number(sel.end - sel.start)} bytes from {addressText(sel.start)}</span> : null}
        <span className="mono">{vma ? `${vma.perms} ${visible(vma.name) || '[' + vma.kind + ']'}` : ''}</span>
        <span style={{ flex: 1 }} />
        <Legend />
      </div>
      {message ? typeof message === 'string' ? <div className="hexstatus">{message}</div> : <ErrorMessage error={message} onDismiss={() => setMessage(null)} /> : null}
    </div>
  );
}
