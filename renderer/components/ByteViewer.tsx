import { useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { bytesToAscii, bytesToHex, formatBytes, visibleLines } from '../util/text';
import { decodeUtf8Exact } from '#shared/format';
import { tabArrowKeys } from '../util/tablist';
import { useKensaShallow } from '../stores/hooks';

const MODES = ['auto', 'text', 'hex'] as const;

/** Text unless a control byte other than tab, newline, CR, form feed or ESC is in the first 4 KiB. */
function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return true;
  let bad = 0;
  for (const x of b.subarray(0, 4096)) if (x === 0 || (x < 0x09) || (x > 0x0d && x < 0x20 && x !== 0x1b)) bad++;
  return bad === 0;
}

/** Bytes as lines of `offset  hex  ascii`, 16 a line (offsets from `base`). */
function hexLines(bytes: Uint8Array, base = 0): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    lines.push(`${(base + off).toString(16).padStart(8, '0')}  ${bytesToHex(row).padEnd(47)}  ${bytesToAscii(row)}`);
  }
  return lines.join('\n');
}

/**
 * Bytes from the evidence in a text or hex view (auto: text when they look like text). Text is made visible
 * as the CLI prints it (escapeLines: control characters and bytes that are not UTF-8 escaped, never U+FFFD);
 * nothing is ever rendered as markup. Text selected in it can be searched for in memory. Used by the Files
 * viewer and the socket queues.
 */
export function ByteViewer(props: { name: ReactNode; bytes: Uint8Array; size: number; testId?: string; tools?: ReactNode }) {
  const { name, bytes, size, testId = 'file-viewer', tools } = props;
  const [mode, setMode] = useState<(typeof MODES)[number]>('auto');
  const { searchMemoryFor } = useKensaShallow((s) => ({ searchMemoryFor: s.searchMemoryFor }));
  const pre = useRef<HTMLPreElement>(null);
  const text = mode === 'text' || (mode === 'auto' && looksLikeText(bytes));
  /** The selection, when it lies in this viewer's text (a hex dump's characters are not the bytes). */
  const selectedText = (): string => {
    const sel = window.getSelection();
    return sel && pre.current && sel.anchorNode && pre.current.contains(sel.anchorNode) ? sel.toString() : '';
  };
  const body = text ? visibleLines(decodeUtf8Exact(bytes)) : hexLines(bytes);
  return (
    <div className="viewer" data-testid={testId} data-mode={text ? 'text' : 'hex'}>
      <div className="toolbar">
        <span className="mono" data-testid={`${testId}-name`}>{name}</span>
        <span className="muted">{formatBytes(size)}{size > bytes.length ? ` (first ${formatBytes(bytes.length)})` : ''}</span>
        <span style={{ flex: 1 }} />
        <div className="tabs" role="tablist" aria-label="View as" style={{ margin: 0 }} onKeyDown={(e) => tabArrowKeys(e, MODES.length, MODES.indexOf(mode), (i) => setMode(MODES[i]))}>
          {MODES.map((m) => (
            <button key={m} role="tab" aria-selected={mode === m} tabIndex={mode === m ? 0 : -1} onClick={() => setMode(m)}>
              {m}
            </button>
          ))}
        </div>
        {text ? (
          <button
            className="link"
            data-testid={`${testId}-search-selection`}
            title="Select text here, then search every process's memory for it (who else holds this token, path or request?)"
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => void searchMemoryFor(selectedText())}
          >
            Search memory for the selected text
          </button>
        ) : null}
        {tools}
      </div>
      <pre ref={pre} className="mono" data-testid={`${testId}-content`}>{body}</pre>
    </div>
  );
}
