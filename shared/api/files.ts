/**
 * Files, sockets, mounts, namespaces, cgroups and logs: descriptors, the rootfs tree and its files.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
export interface FdInfo {
  fd: number | 'cwd' | 'root' | 'exe';
  type: string;
  path: string;
  flags?: number;
  /** The flags in words: `O_RDWR|O_APPEND|O_CLOEXEC`. */
  flagsText?: string;
  /** File position (decimal string when above 2^53-1). */
  pos?: number | string;
  deleted?: boolean;
  /** A deleted file whose content the checkpoint holds: the ghost image and the file's size (knownEnd when it is cut short). */
  ghost?: { member: string; size: number; knownEnd?: number };
  cloexec?: boolean;
}

export interface RootfsEntry {
  /** Absolute path inside the container (`/home/counter/test-file`). */
  path: string;
  /** Member name for `readFile` (`rootfs-diff.tar/home/counter/test-file`). */
  member: string;
  type: string;
  size: number;
  mode: number;
  mtime?: string;
  linkTarget?: string;
}

export interface RootfsTree {
  /** False when the archive has no rootfs-diff.tar (nothing changed, or a bare image folder). */
  present: boolean;
  gzip: boolean;
  entries: RootfsEntry[];
  /** Paths the container deleted from its image (deleted.files). */
  deleted: string[];
}

export interface ReadFileRequest {
  /** An archive member (`rootfs-diff.tar/PATH`, `dump.log`, `checkpoint/core-1.img`). */
  member: string;
  offset?: number;
  /** At most 1 MiB per call (default 64 KiB). */
  length?: number;
}

export interface FileChunk {
  member: string;
  size: number;
  offset: number;
  /** base64 */
  data: string;
}

export interface SocketInfo {
  pid: number;
  fd: number;
  family: string;
  type: string;
  protocol?: string;
  state?: string;
  src?: string;
  srcPort?: number;
  dst?: string;
  dstPort?: number;
  name?: string;
  inode?: number;
  peerInode?: number;
  sendBuf?: number;
  recvBuf?: number;
  backlog?: number;
}

export interface MountsInfo {
  /** CRIU's mount tree (mountpoints-N.img) of the root task's mount namespace. */
  mountpoints: { mntId: number; parentMntId: number; mountpoint: string; fstype: string; source?: string; root?: string; options?: string; external?: string }[];
  /** The engine's OCI mounts (spec.dump) and bind mounts (bind.mounts). */
  oci: { destination: string; type?: string; source?: string; options?: string[] }[];
  bind: { source: string; destination: string; fileType?: string }[];
}

export interface NamespacesInfo {
  /** One row per process: namespace name -> CRIU namespace id (ids-N.img). */
  processes: { pid: number; comm: string; ids: Record<string, number> }[];
  uts: { nodename?: string; domainname?: string };
}

export interface CgroupInfo {
  controller: string;
  path: string;
}

export interface LogInfo {
  /** `dump.log`, `container log` */
  name: string;
  member: string;
  size: number;
  /** UTF-8 text (invalid bytes replaced); the first 4 MiB. */
  text: string;
  truncated: boolean;
}
