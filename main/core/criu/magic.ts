/**
 * CRIU image types: magic numbers, entry messages and file names (docs/criu-format.md §1.1-§1.3, from
 * CRIU 4.2 criu/include/magic.h and criu/image-desc.c). Keyed by magic value so that images are recognised
 * by content; file names only identify the headerless "raw" images, which have no magic at all.
 */

/** Head magic of ordinary v1.1 images (bytes on disk `19 43 56 54`), §1.1. */
export const IMG_COMMON_MAGIC = 0x54564319;
/** Head magic of service files (stats-dump, stats-restore, irmap-cache), bytes `40 59 10 55`, §1.1. */
export const IMG_SERVICE_MAGIC = 0x55105940;
/** magic.h's RAW_IMAGE_MAGIC: raw images carry no header, so this value never appears in a file. */
export const RAW_IMAGE_MAGIC = 0;

export type HeadMagicName = 'IMG_COMMON' | 'IMG_SERVICE';

export const HEAD_MAGICS: Readonly<Record<HeadMagicName, number>> = {
  IMG_COMMON: IMG_COMMON_MAGIC,
  IMG_SERVICE: IMG_SERVICE_MAGIC,
};

/**
 * How an image's bytes are laid out after the magic.
 *  - entries: `u32 size + message` repeated to EOF, all of one message type (§1.1)
 *  - pagemap: the first entry is pagemap_head, the rest pagemap_entry (§1.4)
 *  - ghost-file: a ghost_file_entry, then either chunks or the raw file contents to EOF (§1.3)
 *  - raw: no header at all, content defined elsewhere (pages, iproute2 dumps, tmpfs tarballs)
 *  - undecodable: a magic CRIU defines whose contents are not protobuf images (KDAT, criu's kerndat cache)
 */
export type ImageLayout = 'entries' | 'pagemap' | 'ghost-file' | 'raw' | 'undecodable';

/** Data that follows each entry (§1.3); the entry fields that give its length are named per kind. */
export type PayloadKind =
  | 'pipe-data' // pipe_data_entry.bytes (field 2) bytes of pipe buffer
  | 'sk-queue' // sk_packet_entry.length (field 2) bytes of queued data
  | 'tcp-stream' // tcp_stream_entry.inq_len (1) bytes, then outq_len (3) bytes
  | 'ipc-sem' // ipc_sem_entry.nsems × u16, zero-padded to a multiple of 8
  | 'ipc-msg' // ipc_msg_entry.qnum × ([u32 size][ipc_msg][msize bytes padded to 8])
  | 'ipc-shm' // ipc_shm_entry.size bytes padded to 4, only when !in_pagemaps
  | 'bpfmap-data'; // bpfmap_data_entry.keys_bytes (2) then values_bytes (3)

export interface ImageType {
  /** The name crit prints as "magic" (magic.h's name without `_MAGIC`). */
  readonly name: string;
  /** Type magic; RAW_IMAGE_MAGIC for raw images. */
  readonly magic: number;
  readonly layout: ImageLayout;
  /** Message of the entries (for pagemap / ghost-file: of the first entry). */
  readonly entry?: string;
  readonly payload?: PayloadKind;
  /** The head magic CRIU writes before the type magic in v1.1 images; null for inventory.img and raw images. */
  readonly headMagic: HeadMagicName | null;
  /** File name as image-desc.c writes it (`%d` decimal id, `%x` hex id). */
  readonly fileName: string;
  /** Matches this image type's file names (basename). */
  readonly filePattern: RegExp;
  /** Superseded by a merged form in current CRIU (e.g. reg-files.img → files.img), still read for old dumps. */
  readonly legacy: boolean;
  /** Whether pycriu (crit) has a handler for it; crit refuses the others. */
  readonly critHandler: boolean;
}

interface Row {
  name: string;
  magic: number;
  entry?: string;
  layout?: ImageLayout;
  payload?: PayloadKind;
  head?: HeadMagicName | null;
  file: string;
  legacy?: boolean;
  crit?: boolean;
}

/** `core-%d.img` → /^core-\d+\.img$/; `%x` → hex digits; `%s` → any word. */
function patternOf(fileName: string): RegExp {
  const escaped = fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = escaped.replace(/%d/g, '\\d+').replace(/%x/g, '[0-9a-f]+').replace(/%s/g, '[A-Za-z0-9_]+');
  return new RegExp(`^${source}$`);
}

// §1.2: the types pycriu has handlers for. Order follows the document's table.
const ROWS: Row[] = [
  { name: 'INVENTORY', magic: 0x58313116, entry: 'inventory_entry', head: null, file: 'inventory.img' },
  { name: 'CORE', magic: 0x55053847, entry: 'core_entry', file: 'core-%d.img' },
  { name: 'IDS', magic: 0x54432030, entry: 'task_kobj_ids_entry', file: 'ids-%d.img' },
  { name: 'CREDS', magic: 0x54023547, entry: 'creds_entry', file: 'creds-%d.img', legacy: true },
  { name: 'UTSNS', magic: 0x54473203, entry: 'utsns_entry', file: 'utsns-%d.img' },
  { name: 'TIMENS', magic: 0x43114433, entry: 'timens_entry', file: 'timens-%d.img' },
  { name: 'PIDNS', magic: 0x61157326, entry: 'pidns_entry', file: 'pidns-%d.img' },
  { name: 'IPC_VAR', magic: 0x53115007, entry: 'ipc_var_entry', file: 'ipcns-var-%d.img' },
  { name: 'FS', magic: 0x51403912, entry: 'fs_entry', file: 'fs-%d.img' },
  { name: 'GHOST_FILE', magic: 0x52583605, entry: 'ghost_file_entry', layout: 'ghost-file', file: 'ghost-file-%x.img' },
  { name: 'MM', magic: 0x57492820, entry: 'mm_entry', file: 'mm-%d.img' },
  { name: 'CGROUP', magic: 0x59383330, entry: 'cgroup_entry', file: 'cgroup.img' },
  { name: 'TCP_STREAM', magic: 0x51465506, entry: 'tcp_stream_entry', payload: 'tcp-stream', file: 'tcp-stream-%x.img' },
  // stats-dump / stats-restore carry no .img suffix (image-desc.c "stats-%s")
  { name: 'STATS', magic: 0x57093306, entry: 'stats_entry', head: 'IMG_SERVICE', file: 'stats-%s' },
  { name: 'PAGEMAP', magic: 0x56084025, entry: 'pagemap_head', layout: 'pagemap', file: 'pagemap-%d.img' },
  { name: 'PSTREE', magic: 0x50273030, entry: 'pstree_entry', file: 'pstree.img' },
  { name: 'REG_FILES', magic: 0x50363636, entry: 'reg_file_entry', file: 'reg-files.img', legacy: true },
  { name: 'NS_FILES', magic: 0x61394011, entry: 'ns_file_entry', file: 'ns-files.img', legacy: true },
  { name: 'EVENTFD_FILE', magic: 0x44523722, entry: 'eventfd_file_entry', file: 'eventfd.img', legacy: true },
  { name: 'EVENTPOLL_FILE', magic: 0x45023858, entry: 'eventpoll_file_entry', file: 'eventpoll.img', legacy: true },
  { name: 'EVENTPOLL_TFD', magic: 0x44433746, entry: 'eventpoll_tfd_entry', file: 'eventpoll-tfd.img', legacy: true },
  { name: 'SIGNALFD', magic: 0x57323820, entry: 'signalfd_entry', file: 'signalfd.img', legacy: true },
  { name: 'TIMERFD', magic: 0x50493712, entry: 'timerfd_entry', file: 'timerfd.img', legacy: true },
  { name: 'INOTIFY_FILE', magic: 0x48424431, entry: 'inotify_file_entry', file: 'inotify.img', legacy: true },
  { name: 'INOTIFY_WD', magic: 0x54562009, entry: 'inotify_wd_entry', file: 'inotify-wd.img', legacy: true },
  { name: 'FANOTIFY_FILE', magic: 0x55096122, entry: 'fanotify_file_entry', file: 'fanotify.img', legacy: true },
  { name: 'FANOTIFY_MARK', magic: 0x56506035, entry: 'fanotify_mark_entry', file: 'fanotify-mark.img', legacy: true },
  { name: 'VMAS', magic: 0x54123737, entry: 'vma_entry', file: 'vmas-%d.img', legacy: true },
  { name: 'PIPES', magic: 0x56513555, entry: 'pipe_entry', file: 'pipes.img', legacy: true },
  { name: 'FIFO', magic: 0x58364939, entry: 'fifo_entry', file: 'fifo.img', legacy: true },
  { name: 'SIGACT', magic: 0x55344201, entry: 'sa_entry', file: 'sigacts-%d.img', legacy: true },
  { name: 'NETLINK_SK', magic: 0x58005614, entry: 'netlink_sk_entry', file: 'netlinksk.img', legacy: true },
  { name: 'REMAP_FPATH', magic: 0x59133954, entry: 'remap_file_path_entry', file: 'remap-fpath.img' },
  { name: 'MNTS', magic: 0x55563928, entry: 'mnt_entry', file: 'mountpoints-%d.img' },
  { name: 'TTY_FILES', magic: 0x59433025, entry: 'tty_file_entry', file: 'tty.img', legacy: true },
  { name: 'TTY_INFO', magic: 0x59453036, entry: 'tty_info_entry', file: 'tty-info.img' },
  { name: 'TTY_DATA', magic: 0x59413026, entry: 'tty_data_entry', file: 'tty-data.img' },
  { name: 'RLIMIT', magic: 0x57113925, entry: 'rlimit_entry', file: 'rlimit-%d.img', legacy: true },
  { name: 'TUNFILE', magic: 0x57143751, entry: 'tunfile_entry', file: 'tunfile.img', legacy: true },
  { name: 'EXT_FILES', magic: 0x59255641, entry: 'ext_file_entry', file: 'ext-files.img', legacy: true },
  { name: 'IRMAP_CACHE', magic: 0x57004059, entry: 'irmap_cache_entry', head: 'IMG_SERVICE', file: 'irmap-cache' },
  { name: 'FILE_LOCKS', magic: 0x54323616, entry: 'file_lock_entry', file: 'filelocks.img' },
  { name: 'FDINFO', magic: 0x56213732, entry: 'fdinfo_entry', file: 'fdinfo-%d.img' },
  { name: 'UNIXSK', magic: 0x54373943, entry: 'unix_sk_entry', file: 'unixsk.img', legacy: true },
  { name: 'INETSK', magic: 0x56443851, entry: 'inet_sk_entry', file: 'inetsk.img', legacy: true },
  { name: 'PACKETSK', magic: 0x60454618, entry: 'packet_sock_entry', file: 'packetsk.img', legacy: true },
  { name: 'ITIMERS', magic: 0x57464056, entry: 'itimer_entry', file: 'itimers-%d.img', legacy: true },
  { name: 'POSIX_TIMERS', magic: 0x52603957, entry: 'posix_timer_entry', file: 'posix-timers-%d.img', legacy: true },
  { name: 'NETDEV', magic: 0x57373951, entry: 'net_device_entry', file: 'netdev-%d.img' },
  { name: 'PIPES_DATA', magic: 0x56453709, entry: 'pipe_data_entry', payload: 'pipe-data', file: 'pipes-data.img' },
  { name: 'FIFO_DATA', magic: 0x59333054, entry: 'pipe_data_entry', payload: 'pipe-data', file: 'fifo-data.img' },
  { name: 'SK_QUEUES', magic: 0x56264026, entry: 'sk_packet_entry', payload: 'sk-queue', file: 'sk-queues.img' },
  { name: 'IPCNS_SHM', magic: 0x46283044, entry: 'ipc_shm_entry', payload: 'ipc-shm', file: 'ipcns-shm-%d.img' },
  { name: 'IPCNS_SEM', magic: 0x59573019, entry: 'ipc_sem_entry', payload: 'ipc-sem', file: 'ipcns-sem-%d.img' },
  { name: 'IPCNS_MSG', magic: 0x55453737, entry: 'ipc_msg_entry', payload: 'ipc-msg', file: 'ipcns-msg-%d.img' },
  { name: 'NETNS', magic: 0x55933752, entry: 'netns_entry', file: 'netns-%d.img' },
  { name: 'USERNS', magic: 0x55474906, entry: 'userns_entry', file: 'userns-%d.img' },
  { name: 'SECCOMP', magic: 0x64413049, entry: 'seccomp_entry', file: 'seccomp.img' },
  { name: 'AUTOFS', magic: 0x49353943, entry: 'autofs_entry', file: 'autofs-%d.img' },
  { name: 'FILES', magic: 0x56303138, entry: 'file_entry', file: 'files.img' },
  { name: 'CPUINFO', magic: 0x61404013, entry: 'cpuinfo_entry', file: 'cpuinfo.img' },
  { name: 'MEMFD_INODE', magic: 0x48453499, entry: 'memfd_inode_entry', file: 'memfd.img' },
  { name: 'BPFMAP_FILE', magic: 0x57506142, entry: 'bpfmap_file_entry', file: 'bpfmap-file.img' },
  { name: 'BPFMAP_DATA', magic: 0x64324033, entry: 'bpfmap_data_entry', payload: 'bpfmap-data', file: 'bpfmap-data.img' },
  { name: 'APPARMOR', magic: 0x59423047, entry: 'apparmor_entry', file: 'apparmor.img' },

  // §1.2, "magics defined in magic.h but without a pycriu handler".
  { name: 'SIGNAL', magic: 0x59255647, entry: 'signal_queue_entry', file: 'signal-%s-%d.img', legacy: true, crit: false },
  { name: 'BINFMT_MISC', magic: 0x67343323, entry: 'binfmt_misc_entry', file: 'binfmt-misc.img', crit: false },
  { name: 'PIDFD', magic: 0x54435556, entry: 'pidfd_entry', file: 'pidfd.img', crit: false },
  { name: 'KDAT', magic: 0x57023458, layout: 'undecodable', head: null, file: 'criu.kdat', crit: false },

  // §1.1: raw images (RAW_IMAGE_MAGIC): no header; recognised by file name only.
  { name: 'PAGES', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'pages-%d.img' },
  { name: 'IFADDR', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'ifaddr-%d.img' },
  { name: 'ROUTE', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'route-%d.img' },
  { name: 'ROUTE6', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'route6-%d.img' },
  { name: 'RULE', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'rule-%d.img' },
  { name: 'IPTABLES', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'iptables-%d.img' },
  { name: 'IP6TABLES', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'ip6tables-%d.img' },
  { name: 'NFTABLES', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'nftables-%d.img' },
  { name: 'NETNS_CT', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'netns-ct-%d.img' },
  { name: 'NETNS_EXP', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'netns-exp-%d.img' },
  { name: 'TMPFS_IMG', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'tmpfs-%d.tar.gz.img' },
  { name: 'TMPFS_DEV', magic: RAW_IMAGE_MAGIC, layout: 'raw', file: 'tmpfs-dev-%d.tar.gz.img' },
];

/** Extra file names of a type beyond image-desc.c's main one. */
const EXTRA_FILE_NAMES: Record<string, string[]> = {
  // Shared-memory pagemaps use the same PAGEMAP magic (magic.h aliases SHMEM_PAGEMAP to it), §1.4.
  PAGEMAP: ['pagemap-shmem-%d.img'],
  // §1.2 lists the service file as irmap-cache.img; image-desc.c writes "irmap-cache". Accept both.
  IRMAP_CACHE: ['irmap-cache.img'],
  // The tarballs are called tmpfs-<id>.tar.gz in §1.1; accept them without CRIU's .img suffix too.
  TMPFS_IMG: ['tmpfs-%d.tar.gz'],
  TMPFS_DEV: ['tmpfs-dev-%d.tar.gz'],
};

export const IMAGE_TYPES: readonly ImageType[] = ROWS.map((row): ImageType => {
  const layout: ImageLayout = row.layout ?? 'entries';
  const fileNames = [row.file, ...(EXTRA_FILE_NAMES[row.name] ?? [])];
  const filePattern =
    fileNames.length === 1
      ? patternOf(row.file)
      : new RegExp(fileNames.map((f) => patternOf(f).source).join('|'));
  return {
    name: row.name,
    magic: row.magic,
    layout,
    entry: row.entry,
    payload: row.payload,
    headMagic: layout === 'raw' ? null : row.head === undefined ? 'IMG_COMMON' : row.head,
    fileName: row.file,
    filePattern,
    legacy: row.legacy ?? false,
    critHandler: row.crit ?? layout !== 'raw',
  };
});

const byMagic = new Map<number, ImageType>();
const byName = new Map<string, ImageType>();
for (const t of IMAGE_TYPES) {
  if (t.magic !== RAW_IMAGE_MAGIC && !byMagic.has(t.magic)) byMagic.set(t.magic, t);
  byName.set(t.name, t);
}
const rawTypes = IMAGE_TYPES.filter((t) => t.layout === 'raw');

/** The image type with this type magic (never a raw type: they have no magic). */
export function imageTypeByMagic(magic: number): ImageType | undefined {
  return byMagic.get(magic);
}

/** The image type crit calls `name` (e.g. `PSTREE`, `PAGES`). */
export function imageTypeByName(name: string): ImageType | undefined {
  return byName.get(name);
}

/** The raw (headerless) image type a file name denotes, if any: `pages-3.img` → PAGES. */
export function rawImageTypeForFileName(fileName: string): ImageType | undefined {
  const base = baseName(fileName);
  return rawTypes.find((t) => t.filePattern.test(base));
}

/** The image type whose file-name pattern matches (for listings; decoding goes by magic). */
export function imageTypeForFileName(fileName: string): ImageType | undefined {
  const base = baseName(fileName);
  return IMAGE_TYPES.find((t) => t.filePattern.test(base));
}

function baseName(p: string): string {
  const slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return slash >= 0 ? p.slice(slash + 1) : p;
}
