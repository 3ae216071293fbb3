/**
 * Session and overview: the transport's capabilities, opening an archive, what the open checkpoint is
 * (container, network, statistics, evidence hashes).
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { ProblemInfo, TaskRequest } from './common';

export interface Capabilities {
  /** The transport the client is connected through. */
  transport: 'electron' | 'websocket' | 'direct';
  /** A native file dialog exists (Electron). In browser mode the path is typed. */
  fileDialog: boolean;
  /** gdb found on PATH, and the pty module loaded; when false `gdbMessage` says why. */
  gdb: boolean;
  gdbMessage?: string;
  /** Which optional engines this build carries (each lands with its own issue). */
  search: boolean;
  coreWriter: boolean;
  evidenceCase: boolean;
  report: boolean;
  /** A report in the case's reports/ folder opens in the system's viewer (Electron: openCaseReport); in browser mode the server serves it at `/case-reports/NAME`. */
  openReport?: boolean;
}

export interface HelloInfo {
  name: 'kensa';
  version: string;
  capabilities: Capabilities;
  /** The archive open now, if any. */
  session: SessionInfo | null;
}

export interface OpenArchiveRequest extends TaskRequest {
  /** A checkpoint archive (tar, tar.gz, tar.zst) or a folder of CRIU images, as a host path. */
  path: string;
  /** The container image's root file system (folder, tar, OCI layout) for file-backed pages and gdb. */
  rootfs?: string;
}

export interface SessionInfo {
  /** The evidence path as opened. */
  archive: string;
  rootfs?: string;
  layout: 'tar' | 'tar.gz' | 'tar.zst' | 'folder' | 'image-folder';
  /** ISO time the archive was opened. */
  openedAt: string;
  processes: number;
  /** Problems so far (grows as panels read more images). */
  problems: ProblemInfo[];
}

export interface NetworkInfo {
  network: string;
  interface: string;
  addresses: string[];
  gateways: string[];
  mac?: string;
}

export interface StatisticInfo {
  key: string;
  label: string;
  value: number;
  /** `1.482 ms`, `512` */
  display: string;
}

export interface EvidenceHash {
  /** What was hashed: the evidence file, or a file inside an evidence folder. */
  path: string;
  size: number;
  sha256: string;
}

/**
 * Who and what the container was, as the engine's metadata says: one definition for the core's ContainerMeta
 * (main/core/archive/container-meta.ts) and the overview the workstation shows.
 */
export interface ContainerIdentity {
  containerName?: string;
  image?: string;
  imageRef?: string;
  id?: string;
  runtime?: string;
  /** RFC 3339 with the precision the archive records. */
  created?: string;
  checkpointed?: string;
  podName?: string;
  podNamespace?: string;
  hostname?: string;
}

export interface OverviewInfo extends ContainerIdentity {
  source: string;
  layout: SessionInfo['layout'];
  engine?: string;
  domainname?: string;
  arch: string;
  criuRunId?: string;
  ips: string[];
  macs: string[];
  networks: NetworkInfo[];
  /** rootfsDiff is absent when the archive has no rootfs-diff.tar. */
  sizes: { total: number; memoryPages: number; rootfsDiff?: number; amdGpuMemoryPages?: number };
  statistics: StatisticInfo[];
  processes: number;
  threads: number;
  /** Host uptime at the dump (timens-0.img), seconds. */
  uptimeAtDump?: { monotonic: number; boottime: number };
  /** Hashes known without extra work (compressed archives are hashed on intake); `hashEvidence` adds the rest. */
  hashes: EvidenceHash[];
  /** True when the archive ended early. */
  truncated: boolean;
  /** Why this evidence is sensitive, shown on the overview. */
  notice: string;
  problems: ProblemInfo[];
}
