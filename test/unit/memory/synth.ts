/**
 * Checkpoints no machine wrote, made from real fixtures with the project's own codec: incremental dumps
 * (PE_PARENT runs plus a `parent` folder), and edited memory (the "after a request" checkpoint of the diff
 * test). Pagemaps are re-encoded with encodeImage in CRIU 4.2's form (compat_nr_pages 0, nr_pages set);
 * pages files are rewritten to hold exactly the present runs, in pagemap order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeImage, encodeImage, normalizePagemapEntry, PE_PRESENT, type PagemapEntry } from '../../../main/core/criu';
import { CheckpointArchive } from '../../../main/core/archive/archive';

export const PAGE = 4096;

export interface EditableRun {
  vaddr: bigint;
  nrPages: number;
  flags: number;
  /** The run's bytes when it is PE_PRESENT (nrPages × PAGE). */
  data?: Buffer;
}

export interface EditablePagemap {
  pagesId: number;
  runs: EditableRun[];
}

/** pagemap-NAME and its pages file from an image folder, as editable runs with their bytes. */
export function readPagemap(dir: string, name: string): EditablePagemap {
  const img = decodeImage(fs.readFileSync(path.join(dir, name)));
  const head = img.entries[0] as { pages_id: number };
  const pages = fs.readFileSync(path.join(dir, `pages-${head.pages_id}.img`));
  let offset = 0;
  const runs = img.entries.slice(1).map((e) => {
    const n = normalizePagemapEntry(e as PagemapEntry);
    const run: EditableRun = { vaddr: n.vaddr, nrPages: Number(n.nrPages), flags: n.flags };
    if (n.flags & PE_PRESENT) {
      run.data = Buffer.from(pages.subarray(offset, offset + run.nrPages * PAGE));
      offset += run.nrPages * PAGE;
    }
    return run;
  });
  return { pagesId: Number(head.pages_id), runs };
}

/** Write pagemap-NAME and pages-<pagesId>.img for these runs (sorted by address). */
export function writePagemap(dir: string, name: string, map: EditablePagemap): void {
  const runs = [...map.runs].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  const entries: object[] = [{ pages_id: map.pagesId }];
  const data: Buffer[] = [];
  for (const r of runs) {
    entries.push({ vaddr: r.vaddr, compat_nr_pages: 0, flags: r.flags, nr_pages: BigInt(r.nrPages) });
    if (r.flags & PE_PRESENT) {
      if (!r.data || r.data.length !== r.nrPages * PAGE) throw new Error(`run at 0x${r.vaddr.toString(16)} needs ${r.nrPages} pages of data`);
      data.push(r.data);
    }
  }
  fs.writeFileSync(path.join(dir, name), encodeImage({ magicName: 'PAGEMAP', entries }));
  fs.writeFileSync(path.join(dir, `pages-${map.pagesId}.img`), Buffer.concat(data));
}

/** Copy an image folder (files only). */
export function copyImages(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    const p = path.join(from, f);
    if (fs.lstatSync(p).isFile()) fs.copyFileSync(p, path.join(to, f));
  }
}

/** Unpack a checkpoint archive (any format Kensa reads) into a folder, through the archive layer. */
export async function unpackArchive(input: string, to: string, cacheDir: string): Promise<void> {
  const a = await CheckpointArchive.open(input, { cacheDir });
  try {
    for (const e of a.entries()) {
      if (!e.name) continue;
      const out = path.join(to, e.name);
      if (e.type === 'dir') fs.mkdirSync(out, { recursive: true });
      else if (e.type === 'file') {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        const src = a.open(e.name);
        fs.writeFileSync(out, src.read(0, src.size));
      }
    }
  } finally {
    a.close();
  }
}

/** The run holding `addr`, split so that it starts at the page of `addr` and spans `pages` pages. */
export function isolatePages(map: EditablePagemap, addr: bigint, pages: number): EditableRun {
  const page = addr - (addr % BigInt(PAGE));
  const i = map.runs.findIndex((r) => r.vaddr <= page && page + BigInt(pages * PAGE) <= r.vaddr + BigInt(r.nrPages * PAGE));
  if (i < 0) throw new Error(`no run holds 0x${addr.toString(16)} +${pages} pages`);
  const r = map.runs[i];
  const before = Number(page - r.vaddr) / PAGE;
  const after = r.nrPages - before - pages;
  const piece = (startPage: number, n: number): EditableRun => ({
    vaddr: r.vaddr + BigInt(startPage * PAGE),
    nrPages: n,
    flags: r.flags,
    data: r.data ? Buffer.from(r.data.subarray(startPage * PAGE, (startPage + n) * PAGE)) : undefined,
  });
  const mid = piece(before, pages);
  const parts = [before ? piece(0, before) : undefined, mid, after ? piece(before + pages, after) : undefined].filter((x): x is EditableRun => !!x);
  map.runs.splice(i, 1, ...parts);
  return mid;
}
