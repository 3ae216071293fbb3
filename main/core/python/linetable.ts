/**
 * CPython 3.11's location table (co_linetable; Objects/locations.md, codeobject.c PyCode_Addr2Line): a run
 * of entries, each starting with a byte whose top bit is set, bits 3-6 the code and bits 0-2 the number of
 * code units covered minus one. The code says how the line changes:
 *   0-9    short form: same line (1 column byte follows)
 *   10-12  one-line form: line + (code - 10) (2 column bytes follow)
 *   13     no column info: line + svarint
 *   14     long form: line + svarint, then end line, column and end column as varints
 *   15     no location: the instructions have no line (None)
 * varints are 6-bit groups, least significant first, bit 6 set on all but the last; an svarint's bit 0 is
 * its sign.
 */

/** Code units are 2 bytes (_Py_CODEUNIT); addresses in the table are byte offsets into co_code. */
const CODE_UNIT = 2;

/**
 * The line of the instruction at byte offset `addrq` of the code, or undefined when the table says it has
 * none (or the offset is past the table). An offset below 0 (a frame about to run its first instruction)
 * gives the first line, as PyCode_Addr2Line does.
 */
export function addressToLine(table: Buffer, firstLine: number, addrq: number): number | undefined {
  if (addrq < 0) return firstLine;
  let line = firstLine;
  let start = 0;
  let i = 0;
  const varint = (): number => {
    let shift = 0;
    let value = 0;
    for (;;) {
      if (i >= table.length) return value;
      const b = table[i++];
      value += (b & 63) * 2 ** shift;
      if (!(b & 64) || shift > 42) return value;
      shift += 6;
    }
  };
  const svarint = (): number => {
    const u = varint();
    return u & 1 ? -Math.floor(u / 2) : Math.floor(u / 2);
  };
  while (i < table.length) {
    const head = table[i++];
    if (!(head & 0x80)) return undefined; // not at an entry start: a corrupt table
    const code = (head >> 3) & 15;
    const end = start + ((head & 7) + 1) * CODE_UNIT;
    let hasLine = true;
    if (code === 15) hasLine = false;
    else if (code === 14) {
      line += svarint();
      varint();
      varint();
      varint();
    } else if (code === 13) line += svarint();
    else if (code >= 10) {
      line += code - 10;
      i += 2;
    } else i += 1;
    if (addrq >= start && addrq < end) return hasLine ? line : undefined;
    start = end;
  }
  return undefined;
}
