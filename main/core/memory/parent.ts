/**
 * Parent images of incremental dumps (criu-format.md §1.5).
 *
 * A dump made with `--prev-images-dir` / `--parent-path` (Podman: `--with-previous`) writes pages that did
 * not change since the pre-dump as PE_PARENT runs and leaves a symlink `parent` in its image folder
 * pointing at the previous folder (Podman: `../pre-checkpoint`). For a PE_PARENT run CRIU opens
 * `parent/pagemap-<same id>.img`, finds the address there (maybe PE_PARENT again: up the chain) and reads
 * the parent's own `pages-<its pages_id>.img`.
 *
 * Where the parent comes from, in order:
 * 1. `--parent ARCHIVE` (CheckpointOpenOptions.parent): a separate archive or folder, e.g. Podman's
 *    pre-checkpoint export, whose images sit in `pre-checkpoint/`;
 * 2. the `parent` link resolved inside the same archive (a final export that also carries
 *    `pre-checkpoint/`, or an unpacked bundle);
 * 3. for folder inputs, the link followed on disk (as CRIU itself would), read-only.
 * A link that resolves nowhere leaves PE_PARENT pages "missing-parent", and the checkpoint says why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointArchive, type OpenOptions } from '../archive/archive';
import { decodeImage } from '../criu';
import { KensaError } from '../errors';
import type { ByteSource } from '../io/byte-source';
import { imageBudget } from '../criu/image-budget';
import type { PagemapHead } from '../criu/messages.generated';
import { MAX_PARENT_DEPTH, type PageStore } from './address-space';
import { parsePagemap, type PagemapImageEntries } from './pagemap';

export class ParentDump {
  private readonly stores = new Map<string, PageStore | null>();
  private readonly pagesFiles = new Map<number, ByteSource | null>();

  constructor(
    readonly archive: CheckpointArchive,
    /** The image folder inside `archive` ('' for a bare image folder). */
    readonly dir: string,
    /** This dump's own parent, when the chain goes on. */
    readonly parent: ParentDump | undefined,
    private readonly note: (member: string, message: string) => void,
  ) {}

  /** `ARCHIVE!FOLDER` as messages and provenance show it. */
  get label(): string {
    return this.dir ? `${this.archive.source}!${this.dir}` : this.archive.source;
  }

  private member(imageName: string): string {
    return this.dir ? `${this.dir}/${imageName}` : imageName;
  }

  /** pagemap-<pid>.img of this dump and its pages, or undefined when this dump does not have it. */
  taskStore(pid: number, pageSize: number): PageStore | undefined {
    return this.store(`pagemap-${pid}.img`, pageSize, () => this.parent?.taskStore(pid, pageSize));
  }

  /** pagemap-shmem-<id>.img of this dump (same shmid as in the child) and its pages. */
  shmemStore(shmemId: number, pageSize: number): PageStore | undefined {
    return this.store(`pagemap-shmem-${shmemId}.img`, pageSize, () => this.parent?.shmemStore(shmemId, pageSize));
  }

  private store(imageName: string, pageSize: number, up: () => PageStore | undefined): PageStore | undefined {
    const hit = this.stores.get(imageName);
    if (hit !== undefined) return hit ?? undefined;
    let result: PageStore | null = null;
    const member = this.member(imageName);
    const where = { source: this.archive.source, member };
    try {
      if (!this.archive.has(member)) {
        this.note(member, `missing: the parent dump ${this.label} has no ${imageName}; pages the child keeps there are missing`);
      } else {
        const img = decodeImage(this.archive.readFile(member, this.archive.limits.maxImageBytes), where, imageBudget(this.archive));
        const entries = img.entries as PagemapImageEntries;
        const head = entries[0] as PagemapHead | undefined;
        const pagesId = head?.pages_id !== undefined ? Number(head.pages_id) : undefined;
        const pagesMember = pagesId !== undefined ? this.member(`pages-${pagesId}.img`) : undefined;
        const map = parsePagemap(entries, pageSize, where, pagesMember ? this.archive.entry(pagesMember)?.size : undefined);
        for (const p of map.problems) this.note(member, p);
        result = { map, pages: this.pages(map.pagesId), member: `${this.archive.source}!${this.member(`pages-${map.pagesId}.img`)}`, parent: up };
      }
    } catch (e) {
      if (!(e instanceof KensaError)) throw e;
      this.note(member, e.within(where).message);
    }
    this.stores.set(imageName, result);
    return result ?? undefined;
  }

  private pages(pagesId: number): ByteSource | undefined {
    let s = this.pagesFiles.get(pagesId);
    if (s === undefined) {
      const member = this.member(`pages-${pagesId}.img`);
      s = this.archive.has(member) ? this.archive.open(member) : null;
      if (s === null) this.note(member, `missing: pages file of the parent dump ${this.label}`);
      this.pagesFiles.set(pagesId, s);
    }
    return s ?? undefined;
  }

  close(): void {
    this.parent?.close();
    this.archive.close();
  }
}

export interface ParentOpenOptions extends OpenOptions {
  /** `--parent`: the parent dump as an archive or folder; overrides the `parent` link. */
  parent?: string;
}

/** What became of the parent: the dump, or why there is none although the images name one. */
export interface ParentResolution {
  dump?: ParentDump;
  /** Set when a `parent` link exists but could not be followed. */
  unresolved?: string;
}

/**
 * The parent dump of the images in `archive`/`imageDir`: `--parent` first, then the `parent` link.
 * `note(member, message)` receives problems met on the way (they make the result partial, not fail it).
 */
export async function openParentDump(
  archive: CheckpointArchive,
  imageDir: string,
  opts: ParentOpenOptions,
  note: (member: string, message: string) => void,
): Promise<ParentResolution> {
  const seen = new Set<string>([identity(archive, imageDir)]);
  if (opts.parent) {
    const pa = await CheckpointArchive.open(opts.parent, { cacheDir: opts.cacheDir, limits: opts.limits, onProgress: opts.onProgress });
    seen.add(identity(pa, pa.imageDir));
    const up = await followLink(pa, pa.imageDir, opts, note, seen, 1);
    return { dump: new ParentDump(pa, pa.imageDir, up.dump, note) };
  }
  return followLink(archive, imageDir, opts, note, seen, 0);
}

function identity(archive: CheckpointArchive, dir: string): string {
  let src = archive.source;
  try {
    src = fs.realpathSync(src);
  } catch {
    // keep the name as given
  }
  return `${src}!${dir}`;
}

/**
 * What a parent link points at on disk: a folder holding inventory.img as a regular file, as every CRIU dump
 * does ('images'; the link itself is followed, as CRIU follows it, nothing inside is), another folder (`/`,
 * a home folder: never walked), or nothing usable.
 */
function parentFolderAt(dir: string): 'images' | 'not-images' | 'none' {
  try {
    if (!fs.statSync(dir).isDirectory()) return 'none';
  } catch {
    return 'none';
  }
  try {
    return fs.lstatSync(path.join(dir, 'inventory.img')).isFile() ? 'images' : 'not-images';
  } catch {
    return 'not-images';
  }
}

async function followLink(
  archive: CheckpointArchive,
  dir: string,
  opts: ParentOpenOptions,
  note: (member: string, message: string) => void,
  seen: Set<string>,
  depth: number,
): Promise<ParentResolution> {
  const linkMember = dir ? `${dir}/parent` : 'parent';
  const link = archive.entry(linkMember);
  if (!link) return {};
  const unresolved = (why: string): ParentResolution => {
    note(linkMember, why);
    return { unresolved: why };
  };
  if (depth >= MAX_PARENT_DEPTH) return unresolved(`chain of parent dumps deeper than ${MAX_PARENT_DEPTH}; the rest is not followed`);
  let inArchive: string | undefined;
  if (link.type === 'dir') inArchive = linkMember;
  else if (link.type === 'symlink' && link.linkTarget !== undefined) {
    const target = path.posix.normalize(path.posix.join(dir, link.linkTarget));
    if (!path.posix.isAbsolute(link.linkTarget) && !target.startsWith('..') && archive.entries().some((e) => e.name.startsWith(target + '/'))) inArchive = target;
  }
  if (inArchive !== undefined) {
    const id = identity(archive, inArchive);
    if (seen.has(id)) return unresolved(`parent link loops back to ${inArchive}`);
    seen.add(id);
    const up = await followLink(archive, inArchive, opts, note, seen, depth + 1);
    return { dump: new ParentDump(archive, inArchive, up.dump, note) };
  }
  const target = link.linkTarget ?? '';
  if ((archive.format === 'folder' || archive.format === 'image-folder') && link.type === 'symlink') {
    // CRIU follows the link on disk; so do we, read-only, for evidence given as a folder.
    const onDisk = path.resolve(archive.source, dir, target);
    const found = parentFolderAt(onDisk);
    if (found === 'not-images') {
      return unresolved(`parent link points at ${target}, a folder that is not a CRIU image folder (no inventory.img in it); not followed`);
    }
    if (found === 'images') {
      let pa: CheckpointArchive;
      try {
        pa = await CheckpointArchive.open(onDisk, { cacheDir: opts.cacheDir, limits: opts.limits, flatFolder: true });
      } catch (e) {
        if (!(e instanceof KensaError)) throw e;
        return unresolved(`parent images at ${target} cannot be read: ${e.describe()}`);
      }
      const id = identity(pa, pa.imageDir);
      if (seen.has(id)) {
        pa.close();
        return unresolved(`parent link loops back to ${onDisk}`);
      }
      seen.add(id);
      const up = await followLink(pa, pa.imageDir, opts, note, seen, depth + 1);
      return { dump: new ParentDump(pa, pa.imageDir, up.dump, note) };
    }
  }
  return unresolved(`parent images (${target || link.type}) are not in this archive; pages kept there read as missing (give the parent dump with --parent)`);
}
