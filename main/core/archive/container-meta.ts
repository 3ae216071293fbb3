/**
 * Container metadata around the CRIU images: which engine wrote the archive and what it says about the
 * container. Sources and column rules are checkpointctl's (criu-format.md §4.4), with two corrections:
 * times keep the full precision the archive records (checkpointctl cuts them to seconds), and values the
 * archive does not record are absent rather than guessed.
 */
import type { CheckpointArchive } from './archive';
import { FormatError, KensaError } from '../errors';
import { decodeUtf8Exact } from '#shared/format';
import type { ContainerIdentity } from '#shared/api/session';

export type Engine = 'Podman' | 'CRI-O' | 'containerd';

export interface NetworkInterface {
  network: string;
  interface: string;
  /** Addresses with prefix length, e.g. `10.88.0.5/16`. */
  addresses: string[];
  gateways: string[];
  mac?: string;
}

export interface BindMount {
  source: string;
  destination: string;
  fileType?: string;
  permissions?: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface ContainerMeta extends ContainerIdentity {
  engine?: Engine;
  podUid?: string;
  ips: string[];
  macs: string[];
  networks: NetworkInterface[];
  annotations: Record<string, string>;
  ociMounts: OciMount[];
  bindMounts: BindMount[];
  deletedFiles: string[];
  /** OCI spec process: args, env, cwd, user. */
  ociProcess?: { args?: string[]; env?: string[]; cwd?: string; uid?: number; gid?: number };
  /** containerd's `status` file. */
  containerdStatus?: Record<string, unknown>;
  /** Names of the container log member (ctr.log, container.log, io.kubernetes.cri-o.LogPath). */
  logMember?: string;
  /** Problems reading the metadata files (each names the member). */
  warnings: string[];
}

/** Log files by engine (criu-format.md §4.1-4.3). */
const LOG_MEMBERS = ['ctr.log', 'container.log', 'io.kubernetes.cri-o.LogPath'];

function parseJsonMember(archive: CheckpointArchive, member: string, warnings: string[]): unknown {
  const bytes = archive.tryReadFile(member);
  if (bytes === undefined) return undefined;
  const text = decodeUtf8Exact(bytes); // names in the metadata keep bytes that are not UTF-8
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const err = new FormatError(`expected JSON: ${(e as Error).message}`, { source: archive.source, member, offset: m ? Number(m[1]) : undefined });
    warnings.push(err.describe());
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** Go's zero time, which Podman/CRI-O write for "never". */
function meaningfulTime(v: unknown): string | undefined {
  const s = str(v);
  if (!s || s.startsWith('0001-01-01')) return undefined;
  return s;
}

export function readContainerMeta(archive: CheckpointArchive): ContainerMeta {
  const warnings: string[] = [];
  const meta: ContainerMeta = { ips: [], macs: [], networks: [], annotations: {}, ociMounts: [], bindMounts: [], deletedFiles: [], warnings };
  if (archive.format === 'image-folder') return meta;

  let config: Record<string, unknown> | undefined;
  let spec: Record<string, unknown> | undefined;
  try {
    config = obj(parseJsonMember(archive, 'config.dump', warnings));
    spec = obj(parseJsonMember(archive, 'spec.dump', warnings));
  } catch (e) {
    if (e instanceof KensaError) warnings.push(e.describe());
    else throw e;
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(spec?.annotations) ?? {})) if (typeof v === 'string') annotations[k] = v;
  meta.annotations = annotations;

  const manager = annotations['io.container.manager'];
  // checkpointctl internal/container.go: libpod -> Podman, cri-o -> CRI-O, anything else -> containerd.
  if (config || spec) meta.engine = manager === 'libpod' ? 'Podman' : manager === 'cri-o' ? 'CRI-O' : 'containerd';

  meta.image = str(config?.rootfsImageName);
  meta.imageRef = str(config?.rootfsImageRef) ?? str(config?.rootfsImageID);
  meta.id = str(config?.id);
  meta.runtime = str(config?.runtime);
  meta.checkpointed = meaningfulTime(config?.checkpointedTime);
  meta.hostname = str(spec?.hostname);

  if (meta.engine === 'CRI-O') {
    try {
      meta.containerName = str(obj(JSON.parse(annotations['io.kubernetes.cri-o.Metadata'] ?? '{}'))?.name);
    } catch {
      warnings.push(`spec.dump: annotation io.kubernetes.cri-o.Metadata is not JSON`);
    }
    meta.containerName ??= annotations['io.kubernetes.container.name'];
    meta.created = meaningfulTime(annotations['io.kubernetes.cri-o.Created']) ?? meaningfulTime(config?.createdTime);
    meta.podName = annotations['io.kubernetes.pod.name'];
    meta.podNamespace = annotations['io.kubernetes.pod.namespace'];
    meta.podUid = annotations['io.kubernetes.pod.uid'];
    for (let i = 0; annotations[`io.kubernetes.cri-o.IP.${i}`] !== undefined; i++) meta.ips.push(annotations[`io.kubernetes.cri-o.IP.${i}`]);
  } else if (meta.engine === 'containerd') {
    meta.containerName = annotations['io.kubernetes.cri.container-name'] ?? str(config?.name);
    meta.created = meaningfulTime(config?.createdTime);
    meta.podName = annotations['io.kubernetes.cri.sandbox-name'];
    meta.podNamespace = annotations['io.kubernetes.cri.sandbox-namespace'];
    meta.podUid = annotations['io.kubernetes.cri.sandbox-uid'];
    const status = obj(parseJsonMember(archive, 'status', warnings));
    if (status) meta.containerdStatus = status;
  } else if (meta.engine === 'Podman') {
    meta.containerName = str(config?.name);
    meta.created = meaningfulTime(config?.createdTime);
  }

  // Podman: network.status (netavark shape); an older CNI shape is "no network info", not an error.
  const net = obj(parseJsonMember(archive, 'network.status', warnings));
  if (net) {
    for (const [network, value] of Object.entries(net)) {
      const ifaces = obj(obj(value)?.interfaces);
      if (!ifaces) continue;
      for (const [ifname, iv] of Object.entries(ifaces)) {
        const i = obj(iv) ?? {};
        const subnets = Array.isArray(i.subnets) ? (i.subnets as unknown[]).map(obj).filter((s): s is Record<string, unknown> => !!s) : [];
        const entry: NetworkInterface = {
          network,
          interface: ifname,
          addresses: subnets.map((s) => str(s.ipnet)).filter((s): s is string => !!s),
          gateways: subnets.map((s) => str(s.gateway)).filter((s): s is string => !!s),
        };
        const mac = str(i.mac_address);
        if (mac) entry.mac = mac;
        meta.networks.push(entry);
        for (const a of entry.addresses) meta.ips.push(a.replace(/\/\d+$/, ''));
        if (mac) meta.macs.push(mac);
      }
    }
  }

  for (const m of Array.isArray(spec?.mounts) ? (spec!.mounts as unknown[]) : []) {
    const o = obj(m);
    const destination = str(o?.destination);
    if (!o || !destination) continue;
    const mount: OciMount = { destination };
    if (str(o.type)) mount.type = str(o.type);
    if (str(o.source)) mount.source = str(o.source);
    if (Array.isArray(o.options)) mount.options = (o.options as unknown[]).filter((x): x is string => typeof x === 'string');
    meta.ociMounts.push(mount);
  }
  const proc = obj(spec?.process);
  if (proc) {
    const user = obj(proc.user);
    meta.ociProcess = {
      args: Array.isArray(proc.args) ? (proc.args as unknown[]).map(String) : undefined,
      env: Array.isArray(proc.env) ? (proc.env as unknown[]).map(String) : undefined,
      cwd: str(proc.cwd),
      uid: typeof user?.uid === 'number' ? user.uid : undefined,
      gid: typeof user?.gid === 'number' ? user.gid : undefined,
    };
  }

  const binds = parseJsonMember(archive, 'bind.mounts', warnings);
  if (Array.isArray(binds)) {
    for (const b of binds) {
      const o = obj(b);
      if (!o || !str(o.destination)) continue;
      meta.bindMounts.push({ source: String(o.source ?? ''), destination: String(o.destination), fileType: str(o.file_type), permissions: typeof o.permissions === 'number' ? o.permissions : undefined });
    }
  }
  const deleted = parseJsonMember(archive, 'deleted.files', warnings);
  if (Array.isArray(deleted)) meta.deletedFiles = deleted.filter((d): d is string => typeof d === 'string');
  meta.logMember = LOG_MEMBERS.find((m) => archive.has(m));
  return meta;
}

export interface CheckpointSizes {
  /** Σ sizes of regular files under checkpoint/ (checkpointctl's CHKPT SIZE). */
  checkpointSize: number;
  /** Σ sizes of checkpoint/pages-*.img (not amdgpu-pages-*). */
  memoryPagesSize: number;
  amdGpuMemoryPagesSize: number;
  /** Size of rootfs-diff.tar as stored (compressed for containerd); undefined when the archive has none. */
  rootfsDiffSize: number | undefined;
}

export function checkpointSizes(archive: CheckpointArchive): CheckpointSizes {
  const prefix = archive.imageDir ? archive.imageDir + '/' : '';
  let checkpointSize = 0;
  let memoryPagesSize = 0;
  let amd = 0;
  for (const e of archive.entries()) {
    if (e.type !== 'file' || !e.name.startsWith(prefix)) continue;
    const base = e.name.slice(prefix.length);
    if (prefix === '' && base.includes('/')) continue;
    checkpointSize += e.size;
    if (/^pages-\d+\.img$/.test(base)) memoryPagesSize += e.size;
    else if (/^amdgpu-pages-/.test(base)) amd += e.size;
  }
  return { checkpointSize, memoryPagesSize, amdGpuMemoryPagesSize: amd, rootfsDiffSize: archive.entry('rootfs-diff.tar')?.size };
}
