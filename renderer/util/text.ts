/**
 * Text and bytes on screen. React already escapes markup; evidence text is also made visible the way the
 * CLI and the reports print it (shared/format.ts escapeText: control characters, direction overrides, lone
 * surrogates, backslash), so what the analyst reads is what the archive holds. One definition: the
 * formatting lives in shared/format.ts (the clipboard is in clipboard.ts).
 */
import { escapeText } from '#shared/format';

/** escapeText for what may be absent (optional fields): nothing shows as nothing. */
export function visible(s: string | undefined | null): string {
  return s === undefined || s === null ? '' : escapeText(s);
}

export {
  escapeLines as visibleLines,
  formatBytes,
  hexByte,
  bytesToHex,
  bytesToAscii,
  hexToBytes,
} from '#shared/format';
