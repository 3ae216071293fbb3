/**
 * The Files panel's tree: the container image's root file system (`--rootfs`) merged with rootfs-diff.tar,
 * one directory per call, each entry badged with what the container changed against the image.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
/** `written`: in rootfs-diff.tar, but no --rootfs image was given to tell added from changed. */
export type RootfsBadge = 'added' | 'changed' | 'deleted' | 'written';

export interface RootfsDirRequest {
  /** Absolute path inside the container (`/`, `/home/counter`). */
  path: string;
}

export interface RootfsDirEntry {
  /** Name shown (escaped with shared/format escapeText). */
  name: string;
  /** Absolute path inside the container, for the next rootfsDir call. */
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mode: number;
  linkTarget?: string;
  /** No badge: as in the image. */
  badge?: RootfsBadge;
  /** Where `readFile` reads the content: `rootfs-diff.tar/PATH` when changed, `rootfs:/PATH` from the image. */
  member?: string;
  /** Modification time from rootfs-diff.tar (ISO 8601), for entries the container wrote. */
  mtime?: string;
  /** A directory with something beneath it in rootfs-diff.tar or deleted.files (for a "changes only" view). */
  holdsChanges?: boolean;
}

export interface RootfsDirListing {
  path: string;
  /** False when the archive was opened without `--rootfs` (only the container's changes are listed). */
  image: boolean;
  entries: RootfsDirEntry[];
  /** True when the directory holds more entries than listed. */
  truncated: boolean;
}
