/**
 * Synthetic checkpoints no machine wrote, built with the project's own CRIU image encoder: a bare image
 * folder (inventory.img at its top, as `criu dump -D` leaves it) with pstree, core, mm, pagemap and pages
 * images, and files.img when mappings name files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeImage, type CoreEntry, type FileEntry } from '../../../main/core/criu/index';

export const PE_PRESENT = 4;

export interface SyntheticVma {
  start: bigint;
  end: bigint;
  prot: number;
  /** MAP_PRIVATE 0x2, MAP_SHARED 0x1, MAP_ANONYMOUS 0x20, MAP_GROWSDOWN 0x100. */
  flags: number;
  /** vma_entry.status bits (criu/include/image.h). */
  status: number;
  pgoff?: bigint;
  shmid?: number;
  madv?: bigint;
}

export interface SyntheticRun {
  vaddr: bigint;
  pages: number;
  flags?: number;
  /** Contents of the run (pages * pageSize bytes) when it is present. */
  data?: Buffer;
}

export interface SyntheticProcess {
  pid: number;
  ppid?: number;
  threads: { tid: number; core: CoreEntry }[];
  vmas: SyntheticVma[];
  runs: SyntheticRun[];
  auxv: bigint[];
  argStart?: bigint;
  argEnd?: bigint;
  exeFileId?: number;
  /** Cut the pages file to this many bytes (a damaged checkpoint). */
  pagesFileBytes?: number;
}

export function writeSyntheticCheckpoint(dir: string, processes: SyntheticProcess[], files: FileEntry[] = []): string {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, bytes: Buffer): void => fs.writeFileSync(path.join(dir, name), bytes);
  put('inventory.img', encodeImage({ magicName: 'INVENTORY', entries: [{ img_version: 2, fdinfo_per_id: true, root_ids: { vm_id: 1, files_id: 1, fs_id: 1, sighand_id: 1 }, ns_per_id: true }] }));
  put('pstree.img', encodeImage({ magicName: 'PSTREE', entries: processes.map((p) => ({ pid: p.pid, ppid: p.ppid ?? 0, pgid: p.pid, sid: p.pid, threads: p.threads.map((t) => t.tid) })) }));
  if (files.length) put('files.img', encodeImage({ magicName: 'FILES', entries: files }));
  processes.forEach((p, i) => {
    for (const t of p.threads) put(`core-${t.tid}.img`, encodeImage({ magicName: 'CORE', entries: [t.core] }));
    put(
      `mm-${p.pid}.img`,
      encodeImage({
        magicName: 'MM',
        entries: [
          {
            mm_start_code: 0n, mm_end_code: 0n, mm_start_data: 0n, mm_end_data: 0n, mm_start_stack: 0n, mm_start_brk: 0n, mm_brk: 0n,
            mm_arg_start: p.argStart ?? 0n, mm_arg_end: p.argEnd ?? 0n, mm_env_start: p.argEnd ?? 0n, mm_env_end: p.argEnd ?? 0n,
            exe_file_id: p.exeFileId ?? 0,
            mm_saved_auxv: p.auxv,
            vmas: p.vmas.map((v) => ({ start: v.start, end: v.end, pgoff: v.pgoff ?? 0n, shmid: BigInt(v.shmid ?? 0), prot: v.prot, flags: v.flags, status: v.status, fd: -1n, ...(v.madv !== undefined ? { madv: v.madv } : {}) })),
          },
        ],
      }),
    );
    const pagesId = i + 1;
    put(
      `pagemap-${p.pid}.img`,
      encodeImage({ magicName: 'PAGEMAP', entries: [{ pages_id: pagesId }, ...p.runs.map((r) => ({ vaddr: r.vaddr, compat_nr_pages: 0, flags: r.flags ?? PE_PRESENT, nr_pages: BigInt(r.pages) }))] }),
    );
    const data = Buffer.concat(p.runs.filter((r) => (r.flags ?? PE_PRESENT) & PE_PRESENT).map((r) => r.data ?? Buffer.alloc(0)));
    put(`pages-${pagesId}.img`, p.pagesFileBytes !== undefined ? data.subarray(0, p.pagesFileBytes) : data);
  });
  return dir;
}

/** A page of `size` bytes starting with `text`. */
export function page(size: number, text = '', fill = 0): Buffer {
  const b = Buffer.alloc(size, fill);
  b.write(text, 0, 'latin1');
  return b;
}
