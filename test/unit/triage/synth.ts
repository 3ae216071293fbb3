/**
 * Synthetic checkpoints for the triage rules, made from the real fixtures with the project's own codec:
 * images are decoded, edited and encoded back (encodeImage), memory is added as new VMAs with their pages
 * (pagemap + pages file rewritten in CRIU 4.2's form), argv and environ are moved into a new region so they
 * can grow, and files are added to rootfs-diff.tar. Each attack case has a benign look-alike built the same
 * way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { decodeImage, encodeImage, FdTypes, PE_PRESENT } from '../../../main/core/criu';
import type { Msg } from '../../../main/core/model/images';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';
import { PAGE, readPagemap, unpackArchive, writePagemap } from '../memory/synth';

/** vma_entry.status bits (criu/include/image.h) and mmap flags/prot (<sys/mman.h>). */
export const VMA_REGULAR = 1;
export const VMA_HEAP = 1 << 5;
export const VMA_FILE_PRIVATE = 1 << 6;
export const VMA_ANON_PRIVATE = 1 << 9;
export const MAP_PRIVATE = 2;
export const MAP_ANON = 0x20;
export const PROT_R = 1;
export const PROT_W = 2;
export const PROT_X = 4;
/** TCP states (include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 1;
export const TCP_LISTEN = 10;

/** Where new regions go: above the fixtures' mappings, below the stacks. */
let nextRegion = 0x7e0000000000n;

const fown = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };

/** inet_sk_entry address words: network-order bytes read as little-endian u32 (criu-format.md §2.7). */
function ipv4Words(addr: string): number[] {
  const b = Buffer.from(addr.split('.').map(Number));
  return [b.readUInt32LE(0)];
}

export class Synth {
  private readonly rootfsAdds: { path: string; content: Buffer; mode: number }[] = [];

  private constructor(readonly root: string, readonly images: string) {}

  /** An unpacked copy of a fixture (crio-counter: sh 1, counter 6, tee 7; shmpair: memfd; criu-dir: bash). */
  static async from(name: string): Promise<Synth> {
    const dir = tempDir('kensa-triage-');
    const f = fixture(name);
    if (fs.statSync(f.input).isDirectory()) {
      fs.cpSync(f.input, dir, { recursive: true });
      return new Synth(dir, dir);
    }
    await unpackArchive(f.input, dir, TEST_CACHE);
    return new Synth(dir, path.join(dir, 'checkpoint'));
  }

  entries(name: string): Msg[] {
    return decodeImage(fs.readFileSync(path.join(this.images, name))).entries as Msg[];
  }

  edit(name: string, change: (entries: Msg[]) => void): void {
    const file = path.join(this.images, name);
    const img = decodeImage(fs.readFileSync(file));
    change(img.entries as Msg[]);
    fs.writeFileSync(file, encodeImage(img));
  }

  private leader(pid: number, change: (core: Msg) => void): void {
    this.edit(`core-${pid}.img`, (e) => change(e[0]));
  }

  setComm(pid: number, comm: string): void {
    this.leader(pid, (c) => {
      (c.tc as Msg).comm = comm;
      if (c.thread_core) (c.thread_core as Msg).comm = comm;
    });
  }

  setCreds(pid: number, creds: Record<string, unknown>): void {
    this.leader(pid, (c) => Object.assign((c.thread_core as Msg).creds as Msg, creds));
  }

  setSeccomp(pid: number, mode: number): void {
    this.leader(pid, (c) => ((c.thread_core as Msg).seccomp_mode = mode));
  }

  private filesId(pid: number): number {
    return Number((this.entries(`ids-${pid}.img`)[0] as Msg).files_id);
  }

  /** A new files.img entry; returns its id. */
  addFile(entry: Record<string, unknown>): number {
    let id = 0;
    this.edit('files.img', (e) => {
      id = Math.max(...e.map((f) => Number(f.id))) + 1;
      const key = Object.keys(entry).find((k) => k !== 'type')!;
      e.push({ ...entry, id, [key]: { ...(entry[key] as object), id } });
    });
    return id;
  }

  addRegFile(p: string, size = 4096): number {
    return this.addFile({ type: FdTypes.REG, reg: { flags: 0x8000, pos: 0n, fown, name: p, size: BigInt(size), mode: 0o100755 } });
  }

  /** fd `fd` of `pid` (and of every process sharing its files table) refers to file `fileId`. */
  addFd(pid: number, fd: number, fileId: number, type: number): void {
    this.edit(`fdinfo-${this.filesId(pid)}.img`, (e) => {
      const i = e.findIndex((x) => Number(x.fd) === fd);
      const rec = { id: fileId, flags: 0, type, fd };
      if (i >= 0) e[i] = rec;
      else e.push(rec);
    });
  }

  /** A TCP socket (IPv4) as fd `fd` of `pid`; returns its inode and files.img id. */
  addTcp(pid: number, fd: number, s: { src: string; srcPort: number; dst: string; dstPort: number; state: number; ino?: number }): { ino: number; fileId: number } {
    const ino = s.ino ?? 900000 + fd * 7 + pid;
    const id = this.addFile({
      type: FdTypes.INETSK,
      isk: { ino, family: 2, type: 1, proto: 6, state: s.state, src_port: s.srcPort, dst_port: s.dstPort, flags: 2, backlog: s.state === TCP_LISTEN ? 128 : 0, src_addr: ipv4Words(s.src), dst_addr: ipv4Words(s.dst), fown, opts: { so_sndbuf: 16384, so_rcvbuf: 131072 } },
    });
    this.addFd(pid, fd, id, FdTypes.INETSK);
    return { ino, fileId: id };
  }

  addPacketSocket(pid: number, fd: number): void {
    const id = this.addFile({ type: FdTypes.PACKETSK, psk: { type: 3, protocol: 768, flags: 2, ifindex: 0, fown, opts: { so_sndbuf: 16384, so_rcvbuf: 131072 } } });
    this.addFd(pid, fd, id, FdTypes.PACKETSK);
  }

  /** A new mapping with its bytes (zero-padded to whole pages). Returns its start. */
  mapRegion(pid: number, r: { prot: number; size?: number; data?: Buffer; fileId?: number; status?: number; flags?: number; at?: bigint }): bigint {
    const size = BigInt(Math.ceil((r.size ?? r.data?.length ?? PAGE) / PAGE) * PAGE);
    const start = r.at ?? nextRegion;
    if (r.at === undefined) nextRegion += size + 0x100000n;
    const file = r.fileId !== undefined;
    this.edit(`mm-${pid}.img`, (e) => {
      const vmas = e[0].vmas as Msg[];
      vmas.push({
        start, end: start + size, pgoff: 0n, shmid: BigInt(r.fileId ?? 0), prot: r.prot,
        flags: r.flags ?? (file ? MAP_PRIVATE : MAP_PRIVATE | MAP_ANON),
        status: r.status ?? (file ? VMA_REGULAR | VMA_FILE_PRIVATE : VMA_REGULAR | VMA_ANON_PRIVATE), fd: -1,
      });
      vmas.sort((a, b) => (BigInt(a.start as bigint) < BigInt(b.start as bigint) ? -1 : 1));
    });
    if (r.data) {
      const map = readPagemap(this.images, `pagemap-${pid}.img`);
      const data = Buffer.alloc(Number(size));
      r.data.copy(data);
      map.runs.push({ vaddr: start, nrPages: Number(size) / PAGE, flags: PE_PRESENT, data });
      writePagemap(this.images, `pagemap-${pid}.img`, map);
    }
    return start;
  }

  /** Replace argv or environ: the strings go to a new region that mm_arg/env_start..end point at. */
  setStrings(pid: number, which: 'arg' | 'env', strings: string[]): void {
    const block = Buffer.from(strings.map((s) => s + '\0').join(''), 'utf8');
    const start = this.mapRegion(pid, { prot: PROT_R | PROT_W, data: block });
    this.edit(`mm-${pid}.img`, (e) => {
      e[0][`mm_${which}_start`] = start;
      e[0][`mm_${which}_end`] = start + BigInt(block.length);
    });
  }

  setParent(pid: number, ppid: number): void {
    this.edit('pstree.img', (e) => {
      for (const p of e) if (Number(p.pid) === pid) p.ppid = ppid;
    });
  }

  setExe(pid: number, fileId: number): void {
    this.edit(`mm-${pid}.img`, (e) => (e[0].exe_file_id = fileId));
  }

  /** Mark files deleted while in use, kept as linked remaps (no content in the checkpoint, no problem). */
  markDeleted(fileIds: number[]): void {
    const file = path.join(this.images, 'remap-fpath.img');
    const entries: Msg[] = fs.existsSync(file) ? (decodeImage(fs.readFileSync(file)).entries as Msg[]) : [];
    for (const id of fileIds) entries.push({ orig_id: id, remap_id: 0x40000000 + id, remap_type: 0 });
    fs.writeFileSync(file, encodeImage({ magicName: 'REMAP_FPATH', entries }));
  }

  rootfsAdd(p: string, content: Buffer | string, mode = 0o644): void {
    this.rootfsAdds.push({ path: p.replace(/^\/+/, ''), content: Buffer.from(content), mode });
  }

  deletedFiles(paths: string[]): void {
    fs.writeFileSync(path.join(this.root, 'deleted.files'), JSON.stringify(paths));
  }

  /** Write the pending rootfs-diff.tar changes; returns the checkpoint folder to open. */
  finish(): string {
    if (this.rootfsAdds.length) {
      const stage = path.join(this.root, '..', path.basename(this.root) + '-rootfs');
      fs.rmSync(stage, { recursive: true, force: true });
      fs.mkdirSync(stage, { recursive: true });
      const diff = path.join(this.root, 'rootfs-diff.tar');
      if (fs.existsSync(diff) && fs.statSync(diff).size > 0) tar.x({ file: diff, cwd: stage, sync: true });
      for (const a of this.rootfsAdds) {
        const out = path.join(stage, a.path);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, a.content);
        fs.chmodSync(out, a.mode);
      }
      tar.c({ file: diff, cwd: stage, sync: true, portable: true }, fs.readdirSync(stage));
      this.rootfsAdds.length = 0;
    }
    return this.root;
  }
}

/** A minimal ELF64 header (e_ident, ET_DYN, x86-64), as the start of a reflectively loaded library. */
export function elfHeader(): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  b.writeUInt16LE(3, 16);
  b.writeUInt16LE(0x3e, 18);
  b.writeUInt32LE(1, 20);
  return b;
}

/** x86-64 shellcode-like bytes: endbr64; push rbp; mov rbp,rsp; xor eax,eax; syscall... */
export function codeBytes(): Buffer {
  return Buffer.from('f30f1efa554889e531c0480f05c3', 'hex');
}
