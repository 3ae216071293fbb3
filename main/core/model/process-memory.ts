/**
 * Building a process's address space from the model's records: its VMAs (mm image), its pagemap and pages
 * file, shared memory objects, the parent dump, file contents (rootfs-diff.tar, the rootfs, ghost images).
 * The Checkpoint owns one and delegates addressSpace(), vmas(), pagemap() and fileResolver() to it; the
 * memory/ folder gets plain inputs and never sees the model.
 */
import type { Checkpoint } from './checkpoint';
import { buildVmas, type Vma } from '../memory/vma';
import { parsePagemap, type PageMap } from '../memory/pagemap';
import { AddressSpace, type FileContentResolver, type ShmemObject } from '../memory/address-space';
import type { ByteSource } from '../io/byte-source';
import { KensaError } from '../errors';
import { num } from './wire-values';

export class ProcessMemory {
  private readonly spaces = new Map<number, AddressSpace | null>();
  private readonly pagesSources = new Map<number, ByteSource | null>();
  private readonly shmemCache = new Map<number, ShmemObject | null>();

  constructor(private readonly cp: Checkpoint) {}

  vmas(pid: number): Vma[] {
    const mm = this.cp.mm(pid);
    if (!mm) return [];
    const files = this.cp.files();
    const inodes = this.cp.memfdInodes();
    const deleted = this.cp.deletedFileIds();
    return buildVmas(mm, { file: (id) => files.get(id), memfdInode: (id) => inodes.get(id), isDeleted: (id) => deleted.has(id) }, (msg) =>
      this.cp.images.note(this.cp.archive.imageMember(`mm-${pid}.img`), msg),
    );
  }

  private pagesSource(pagesId: number): ByteSource | undefined {
    let s = this.pagesSources.get(pagesId);
    if (s === undefined) {
      const member = this.cp.archive.imageMember(`pages-${pagesId}.img`);
      try {
        s = this.cp.archive.has(member) ? this.cp.archive.open(member) : null;
      } catch (e) {
        if (!(e instanceof KensaError)) throw e;
        this.cp.images.report(member, e);
        s = null;
      }
      if (s === null) this.cp.images.note(member, 'missing: pages file named by a pagemap is not in the checkpoint');
      this.pagesSources.set(pagesId, s);
    }
    return s ?? undefined;
  }

  /** A pagemap image parsed into runs, checked against its pages file. */
  pagemap(imageName: string, pageSize: number): PageMap | undefined {
    const entries = this.cp.images.has(imageName) ? this.cp.images.entries(imageName) : undefined;
    if (!entries) return undefined;
    const member = this.cp.archive.imageMember(imageName);
    try {
      const head = entries[0];
      const pagesId = head?.pages_id !== undefined ? num(head.pages_id) : undefined;
      const pagesMember = pagesId !== undefined ? this.cp.archive.entry(this.cp.archive.imageMember(`pages-${pagesId}.img`)) : undefined;
      const map = parsePagemap(entries, pageSize, { source: this.cp.archive.source, member }, pagesMember?.size);
      for (const p of map.problems) this.cp.images.note(member, p);
      return map;
    } catch (e) {
      if (!(e instanceof KensaError)) throw e;
      this.cp.images.report(member, e);
      return undefined;
    }
  }

  private shmem(shmemId: number, pageSize: number): ShmemObject | undefined {
    let s = this.shmemCache.get(shmemId);
    if (s === undefined) {
      const map = this.pagemap(`pagemap-shmem-${shmemId}.img`, pageSize);
      s = map ? { map, pages: this.pagesSource(map.pagesId), member: this.cp.archive.imageMember(`pages-${map.pagesId}.img`), parent: () => this.cp.parentDump?.shmemStore(shmemId, pageSize) } : null;
      this.shmemCache.set(shmemId, s);
    }
    return s ?? undefined;
  }

  /** Files in rootfs-diff.tar, then the image rootfs when one was given. */
  fileResolver(): FileContentResolver {
    return {
      open: (path) => {
        const member = 'rootfs-diff.tar/' + path.replace(/^\/+/, '');
        const diff = this.cp.archive.rootfsDiff();
        const m = diff?.index.byName.get(path.replace(/^\/+/, ''));
        if (m && m.type === 'file') return { src: this.cp.archive.open(member), origin: 'rootfs-diff' as const, member };
        return this.cp.rootfs?.open(path);
      },
    };
  }

  /** The address space of a process (undefined for zombies and processes without mm). */
  addressSpace(pid: number): AddressSpace | undefined {
    let s = this.spaces.get(pid);
    if (s !== undefined) return s ?? undefined;
    s = null;
    const mm = this.cp.mm(pid);
    if (mm) {
      const pageSize = this.cp.pageSize(pid);
      const pagemap = this.pagemap(`pagemap-${pid}.img`, pageSize);
      // PE_PARENT (1) without PE_PRESENT (4): the bytes are in a parent dump; say so when none is known.
      if (pagemap && !this.cp.parentDump && !this.cp.parentUnresolved && pagemap.runs.some((r) => r.flags & 1 && !(r.flags & 4))) {
        this.cp.images.note(this.cp.archive.imageMember(`pagemap-${pid}.img`), 'pages are kept in a parent dump, which this checkpoint does not name; they read as missing (give it with --parent)');
      }
      s = new AddressSpace({
        pid,
        pageSize,
        vmas: this.vmas(pid),
        pagemap,
        pages: pagemap ? this.pagesSource(pagemap.pagesId) : undefined,
        pagesMember: pagemap ? this.cp.archive.imageMember(`pages-${pagemap.pagesId}.img`) : undefined,
        parent: () => this.cp.parentDump?.taskStore(pid, pageSize),
        shmem: (id) => this.shmem(id, pageSize),
        files: this.fileResolver(),
        // Directories, devices and fifos have no content to map; only a regular file's ghost gives pages.
        ghost: (fileId) => {
          const g = this.cp.ghostFile(fileId);
          return g && g.form !== 'none' ? g : undefined;
        },
      });
    }
    this.spaces.set(pid, s);
    return s ?? undefined;
  }
}
