/**
 * An index of a tar archive read in place: member name -> where its bytes are.
 *
 * Only the 512-byte headers are read (node-tar's Header and Pax parse them); member data is skipped by
 * seeking, so indexing a 1 GiB checkpoint costs about as much as reading its few dozen headers. Tar format
 * facts: POSIX.1-1988 ustar blocks of 512 bytes, data padded to 512, end marked by zero blocks; GNU `L`/`K`
 * long-name records and POSIX pax `x`/`g` extended headers apply to the next member.
 *
 * The index never trusts a name: every member gets a normalised name (no `./`, no leading `/`), and names
 * that are absolute, contain `..`, or repeat are reported in `warnings` (hostile archives, issue 7).
 */
// The header and pax parsers only: the package index loads create/extract too (~120 ms at start-up).
import { Header } from 'tar/header';
import { Pax } from 'tar/pax';
import type { HeaderData } from 'tar/header';
import type { ByteSource } from '../io/byte-source';
import { FormatError, LimitError } from '../errors';
import { decodeUtf8Exact } from '#shared/format';

export type MemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface TarMember {
  /** Normalised path: no leading `./` or `/`, no trailing `/`. */
  name: string;
  /** The name exactly as the archive spells it (for reports about hostile names). */
  rawName: string;
  type: MemberType;
  size: number;
  /** Offset of the member's data within the tar source. */
  dataOffset: number;
  /** Offset of the member's header block within the tar source. */
  headerOffset: number;
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
  linkTarget?: string;
  /** Set when the name was absolute or climbed with `..`: never used as a path on the host. */
  unsafeName?: string;
  /** Set when the data runs past the end of the source (archive cut short). */
  truncated?: boolean;
}

export interface TarIndex {
  members: TarMember[];
  byName: Map<string, TarMember>;
  warnings: string[];
  /** True when the archive ended early (no end-of-archive blocks, or a member cut short). */
  truncated: boolean;
}

export interface TarLimits {
  /** Most members an archive may hold (`--max-members`). */
  maxMembers: number;
  /** Longest accepted pax / GNU long-name record. */
  maxNameRecord: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxMembers: 200_000, maxNameRecord: 64 * 1024 };

const BLOCK = 512;

function typeOf(name: string): MemberType | 'meta' {
  switch (name) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'dir';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device';
    case 'FIFO':
      return 'fifo';
    case 'ExtendedHeader':
    case 'GlobalExtendedHeader':
    case 'NextFileHasLongPath':
    case 'NextFileHasLongLinkpath':
    case 'OldGnuLongPath':
      return 'meta';
    default:
      return 'other';
  }
}

/** Normalise a member name; returns the name and whether it was unsafe as a host path. */
export function normaliseMemberName(raw: string): { name: string; unsafe: boolean } {
  let unsafe = raw.startsWith('/');
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      unsafe = true;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return { name: parts.join('/'), unsafe: unsafe || raw.includes('\0') };
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Index the tar held in `source`. `member` names it for error messages (e.g. `rootfs-diff.tar`). */
export function indexTar(source: ByteSource, limits: TarLimits = DEFAULT_TAR_LIMITS, member?: string): TarIndex {
  const members: TarMember[] = [];
  const byName = new Map<string, TarMember>();
  const warnings: string[] = [];
  let truncated = false;
  let offset = 0;
  let ex: HeaderData | undefined;
  /** The pax path / linkpath of the next member, byte-exact (node-tar drops or cuts names that are not clean UTF-8). */
  let exNames: PaxNames | undefined;
  let gex: HeaderData | undefined;
  let longPath: string | undefined;
  let longLink: string | undefined;
  const symlinks = new Map<string, string>();

  while (true) {
    if (offset + BLOCK > source.size) {
      // A tar that simply stops after a member's padding is common (no end blocks); one that stops inside a
      // header is cut short.
      if (offset < source.size) truncated = true;
      else if (members.length > 0) warnings.push('archive has no end-of-archive marker');
      break;
    }
    const block = source.read(offset, BLOCK);
    if (isZeroBlock(block)) break;
    let h: Header;
    try {
      h = new Header(block, 0, ex, gex);
    } catch (e) {
      // node-tar throws on malformed numeric fields (e.g. invalid base-256 sizes) before checking the sum.
      throw new FormatError(`unreadable tar header: ${(e as Error).message}`, { member, offset });
    }
    if (!h.cksumValid) {
      throw new FormatError(`tar header checksum mismatch (expected a ustar header block)`, { member, offset });
    }
    const size = h.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new FormatError(`tar header claims an invalid size`, { member, offset });
    }
    const dataOffset = offset + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    const kind = typeOf(h.type);

    if (kind === 'meta') {
      if (size > limits.maxNameRecord) {
        throw new LimitError(`tar ${h.type} record of ${size} bytes`, '--max-name', { member, offset });
      }
      if (dataOffset + size > source.size) {
        truncated = true;
        break;
      }
      const body = source.read(dataOffset, size);
      if (h.type === 'ExtendedHeader') {
        ex = Pax.parse(body.toString('utf8'), ex, false);
        exNames = paxNames(body);
      }
      else if (h.type === 'GlobalExtendedHeader') gex = Pax.parse(body.toString('utf8'), gex, true);
      else if (h.type === 'NextFileHasLongLinkpath') longLink = cString(body);
      else longPath = cString(body);
      offset = next;
      continue;
    }

    if (members.length >= limits.maxMembers) {
      throw new LimitError(`archive holds more than ${limits.maxMembers} members`, '--max-members', { member, offset });
    }
    const rawName = exNames?.path ?? longPath ?? exactUstarField(block, h.path, 0, 100) ?? '';
    // Names are C strings to every tar reader and file system: a NUL ends them. The index reads the name as they
    // would, and says what followed instead of dropping it silently.
    const nul = rawName.indexOf('\0');
    const { name, unsafe } = normaliseMemberName(nul === -1 ? rawName : rawName.slice(0, nul));
    if (nul !== -1) warnings.push(`member name "${rawName}" holds a NUL byte; read as "${rawName.slice(0, nul)}", where tar readers and file systems end it`);
    const entry: TarMember = {
      name,
      rawName,
      type: kind,
      // Only regular files carry data; hard links and others record size 0 by convention.
      size: kind === 'file' ? size : 0,
      dataOffset,
      headerOffset: offset,
      mode: h.mode ?? 0,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      mtime: h.mtime,
    };
    const link = exNames?.linkpath ?? longLink ?? exactUstarField(block, h.linkpath, 157, 100);
    if (link) entry.linkTarget = link;
    if (nul !== -1) entry.unsafeName = rawName;
    if (unsafe && nul === -1) {
      entry.unsafeName = rawName;
      warnings.push(`member name ${JSON.stringify(rawName)} is absolute or leaves the archive; read as ${JSON.stringify(name)}`);
    }
    if (dataOffset + size > source.size) {
      entry.truncated = true;
      truncated = true;
    }
    if (kind === 'symlink') symlinks.set(name, entry.linkTarget ?? '');
    // A path that runs through an earlier symlink would be written outside the tree by a naive extractor
    // (node-tar CVE-2021-32803 / -37701 class); Kensa never follows it, and says so.
    for (let cut = name.indexOf('/'); cut !== -1; cut = name.indexOf('/', cut + 1)) {
      const target = symlinks.get(name.slice(0, cut));
      if (target !== undefined) {
        warnings.push(`member ${JSON.stringify(name)} lies behind symlink ${JSON.stringify(name.slice(0, cut))} -> ${JSON.stringify(target)}; the link is never followed`);
        break;
      }
    }
    if (kind === 'hardlink' && entry.linkTarget !== undefined && normaliseMemberName(entry.linkTarget).unsafe) {
      warnings.push(`hard link ${JSON.stringify(name)} points outside the archive (${JSON.stringify(entry.linkTarget)}); never created`);
    }
    if (kind === 'device') warnings.push(`device file ${JSON.stringify(name)} is listed only; never created`);
    if (name !== '') {
      if (byName.has(name)) warnings.push(`duplicate member ${JSON.stringify(name)}: the later one is used`);
      byName.set(name, entry);
    }
    members.push(entry);
    ex = undefined;
    exNames = undefined;
    longPath = undefined;
    longLink = undefined;
    if (entry.truncated) break;
    offset = next;
  }
  return { members, byName, warnings, truncated };
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return decodeUtf8Exact(b.subarray(0, nul === -1 ? b.length : nul));
}

interface PaxNames {
  path?: string;
  linkpath?: string;
}

/**
 * The path and linkpath records of a pax extended header, decoded byte-exact (decodeUtf8Exact). A record is
 * `LENGTH KEY=VALUE\n`, LENGTH counting the whole record in bytes (POSIX.1-2001 pax); values may hold any
 * byte but NUL by the standard, and a crafted one may hold that too: it is kept, for the caller to name.
 */
function paxNames(body: Buffer): PaxNames {
  const out: PaxNames = {};
  for (let pos = 0; pos < body.length; ) {
    const space = body.indexOf(0x20, pos);
    if (space === -1 || space - pos > 20) break;
    const length = Number(body.toString('latin1', pos, space));
    if (!Number.isSafeInteger(length) || length <= space - pos || pos + length > body.length || body[pos + length - 1] !== 0x0a) break;
    const record = body.subarray(space + 1, pos + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) {
      const key = record.toString('latin1', 0, eq);
      if (key === 'path' || key === 'linkpath') out[key] = decodeUtf8Exact(record.subarray(eq + 1));
    }
    pos += length;
  }
  return out;
}

/**
 * A ustar name field (name at 0, linkname at 157, each 100 bytes; the name with the 155-byte prefix at 345 in
 * POSIX ustar) byte-exact, when node-tar's reading of it replaced bytes that were not UTF-8.
 */
function exactUstarField(block: Buffer, parsed: string | undefined, offset: number, size: number): string | undefined {
  if (parsed === undefined || !parsed.includes('\ufffd')) return parsed;
  const field = (at: number, n: number): string => cString(block.subarray(at, at + n));
  const name = field(offset, size);
  const prefix = offset === 0 && block.toString('latin1', 257, 263) === 'ustar\0' ? field(345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}
