import { escapeText } from '../../shared/format';

/**
 * Archive strings on screen. React already escapes markup; escapeText (shared with the CLI and the reports)
 * makes invisible and misleading characters visible too: controls, bidi controls, invisible format
 * characters, bytes that were not UTF-8 (`\xNN`), so what the analyst reads is what the archive holds.
 */
export function visible(s: string | undefined | null): string {
  return s === undefined || s === null ? '' : escapeText(s);
}

/** Multi-line text (logs, files): keep newlines and tabs, make the rest visible. */
export function visibleLines(s: string): string {
  return s
    .split('\n')
    .map((line) => line.replace(/\r$/, '').split('\t').map(escapeText).join('\t'))
    .join('\n');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let x = n;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(1)} ${units[i]}`;
}

export function hexByte(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

export function bytesToHex(bytes: Uint8Array, sep = ' '): string {
  return Array.from(bytes, hexByte).join(sep);
}

/** Printable ASCII as itself, everything else as '.'. */
export function bytesToAscii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for contexts without the async clipboard.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}
