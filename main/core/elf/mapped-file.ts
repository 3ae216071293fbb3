/**
 * The bytes of a file a process mapped, for reading it as an ELF file: a file deleted while mapped only
 * from the ghost image CRIU kept (its path may name another file now, so never the rootfs), any other from
 * rootfs-diff.tar, then the image rootfs (--rootfs).
 */
import type { Checkpoint } from '../model/checkpoint';
import type { Vma } from '../memory/vma';
import type { ByteSource } from '../io/byte-source';
import type { FileBytes } from './elf-symbols';

function fileBytes(src: ByteSource, label: string): FileBytes {
  return { label, size: src.size, read: (offset, length) => src.read(offset, length) };
}

/** The bytes of a mapped file: the ghost of a deleted one, else rootfs-diff.tar then the rootfs. */
export function openMappedFile(cp: Checkpoint, file: NonNullable<Vma['file']>): { bytes: FileBytes; origin: string } | undefined {
  if (file.deleted) {
    const g = cp.ghostFile(file.fileId);
    if (!g || g.form === 'none' || g.knownEnd < g.size) return undefined;
    return { bytes: fileBytes(g, `${cp.source}!${g.member}`), origin: 'ghost-file' };
  }
  const hit = cp.fileResolver().open(file.path);
  if (!hit) return undefined;
  return { bytes: fileBytes(hit.src, hit.origin === 'rootfs-diff' ? `${cp.source}!${hit.member ?? file.path}` : `rootfs:${file.path}`), origin: hit.origin };
}
