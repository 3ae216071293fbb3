import type { Command } from '../command';
import { CLI_STATISTICS, finish, openCheckpoint, pidsOption, printJson, UsageError } from '../common';
import { inspectReport, type InspectSections, type OpenFileJson, type ProcessNodeJson } from '../../core/model/summary';
import { formatBytes, formatSizeOrAbsent } from '#shared/format';
import { renderTree, type TreeNode } from '../tree';
import { formatDumpStat } from '#shared/dump-stats';

export const inspect: Command = {
  name: 'inspect',
  summary: 'Everything about one checkpoint as a tree or JSON: metadata, network, sizes, process tree, files, sockets, mounts',
  usage: 'inspect ARCHIVE [--ps-tree] [--cmd] [--env] [--files] [--sockets] [--mounts] [--mountpoints] [--stats] [--metadata] [--all] [--pid N] [--json]',
  options: {
    'ps-tree': { type: 'boolean' },
    'ps-tree-cmd': { type: 'boolean' },
    'ps-tree-env': { type: 'boolean' },
    cmd: { type: 'boolean' },
    env: { type: 'boolean' },
    files: { type: 'boolean' },
    sockets: { type: 'boolean' },
    mounts: { type: 'boolean' },
    mountpoints: { type: 'boolean' },
    stats: { type: 'boolean' },
    'print-stats': { type: 'boolean' },
    metadata: { type: 'boolean' },
    all: { type: 'boolean' },
    pid: { type: 'string', short: 'p', multiple: true },
  },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('inspect needs one ARCHIVE (use show for several)');
    const o = ctx.opts;
    const all = Boolean(o.all);
    const pids = pidsOption(ctx);
    if (pids && pids.length > 1) throw new UsageError('inspect --pid takes one process (its subtree is shown)');
    const sections: InspectSections = {
      psTree: all || Boolean(o['ps-tree']),
      cmd: all || Boolean(o.cmd || o['ps-tree-cmd']),
      env: all || Boolean(o.env || o['ps-tree-env']),
      files: all || Boolean(o.files),
      sockets: all || Boolean(o.sockets),
      mounts: all || Boolean(o.mounts),
      mountpoints: all || Boolean(o.mountpoints),
      stats: all || Boolean(o.stats || o['print-stats']),
      metadata: all || Boolean(o.metadata),
      pid: pids?.[0],
    };
    // Files and sockets are drawn under their processes: the tree view needs the process tree for them
    // (the JSON keeps file_descriptors / sockets as their own sections).
    if (!ctx.opts.json && (sections.files || sections.sockets)) sections.psTree = true;
    const cp = await openCheckpoint(ctx, ctx.args[0]);
    const report = inspectReport(cp, sections);
    if (ctx.opts.json) {
      printJson(ctx, [report]);
      return finish(ctx, cp);
    }
    const root: TreeNode = { label: report.container_name ?? report.source, children: [] };
    const kids = root.children!;
    const add = (label: string, value: unknown): void => {
      if (value !== undefined && value !== '') kids.push({ label: `${label}: ${value}` });
    };
    add('Image', report.image);
    add('ID', report.id);
    add('Runtime', report.runtime);
    add('Created', report.created);
    add('Checkpointed', report.checkpointed);
    add('Engine', report.engine ?? (report.layout === 'image-folder' ? 'none (bare CRIU images)' : undefined));
    add('Pod', report.pod_name);
    add('Namespace', report.kubernetes_namespace);
    add('Hostname (uts)', report.hostname);
    add('Architecture', report.arch);
    add('CRIU run id', report.criu_run_id);
    if (cp.meta.networks.length) {
      kids.push({
        label: 'Network Interfaces',
        children: cp.meta.networks.map((n) => ({
          label: `${n.network} (${n.interface})`,
          children: [
            ...n.addresses.map((a) => ({ label: `IP: ${a}` })),
            ...(n.mac ? [{ label: `MAC: ${n.mac}` }] : []),
            ...n.gateways.map((g) => ({ label: `Gateway: ${g}` })),
          ],
        })),
      });
    } else if (report.ip) add('IP', report.ip);
    const sz = report.checkpoint_size;
    kids.push({ label: `Checkpoint size: ${formatBytes(sz.total_size)}`, children: [{ label: `Memory pages size: ${formatBytes(sz.memory_pages_size)}` }] });
    add('Root FS diff size', formatSizeOrAbsent(sz.root_fs_diff_size));
    if (sections.stats && report.statistics) {
      kids.push({
        label: 'CRIU dump statistics',
        children: CLI_STATISTICS.filter(([k]) => report.statistics![k] !== undefined).map(([k, label, kind]) => ({ label: `${label}: ${formatDumpStat(report.statistics![k], kind)}` })),
      });
    }
    if (sections.metadata) {
      const ann = Object.entries(cp.meta.annotations);
      kids.push({
        label: 'Metadata',
        children: [
          ...(cp.meta.podName ? [{ label: `Pod name: ${cp.meta.podName}` }] : []),
          ...(cp.meta.podNamespace ? [{ label: `Kubernetes namespace: ${cp.meta.podNamespace}` }] : []),
          { label: 'Annotations', children: ann.map(([k, v]) => ({ label: `${k}: ${v}` })) },
        ],
      });
    }
    if (sections.mounts && cp.meta.ociMounts.length) {
      kids.push({ label: 'Overview of mounts', children: cp.meta.ociMounts.map((m) => ({ label: `Destination: ${m.destination}`, children: [{ label: `Type: ${m.type ?? ''}` }, { label: `Source: ${m.source ?? ''}` }] })) });
    }
    if (sections.mountpoints) {
      kids.push({ label: 'CRIU mount tree', children: cp.mountpoints().map((m) => ({ label: `[${m.mntId}] ${m.mountpoint} ${m.fstype}${m.source ? ` from ${m.source}` : ''}${m.external ? ' (external)' : ''}` })) });
    }
    const tree = report.process_tree as ProcessNodeJson | ProcessNodeJson[] | undefined;
    if (tree) {
      const files = new Map((report.file_descriptors as { pid: number; open_files: OpenFileJson[] }[] | undefined)?.map((f) => [f.pid, f.open_files]) ?? []);
      const ghost = (g: OpenFileJson['ghost']): string =>
        !g ? '' : g.known_size !== undefined ? ` — content in the checkpoint cut short: ${formatBytes(g.known_size)} of ${formatBytes(g.size)} (${g.member})` : ` — content in the checkpoint: ${formatBytes(g.size)} (${g.member})`;
      const socks = new Map((report.sockets as { pid: number; open_sockets: { protocol: string; data: Record<string, unknown> }[] }[] | undefined)?.map((s) => [s.pid, s.open_sockets]) ?? []);
      const node = (p: ProcessNodeJson): TreeNode => {
        const children: TreeNode[] = [];
        if (p.environment_variables) children.push({ label: 'Environment variables', children: Object.entries(p.environment_variables).map(([k, v]) => ({ label: `${k}=${v}` })) });
        const f = files.get(p.pid);
        if (f) children.push({ label: 'Open files', children: f.map((x) => ({ label: `[${typeof x.fd === 'number' ? `${x.type} ${x.fd}` : x.fd}]  ${x.path}${ghost(x.ghost)}` })) });
        const s = socks.get(p.pid);
        if (s)
          children.push({
            label: 'Open sockets',
            children: s.map((x) => {
              const d = x.data;
              if (x.protocol === 'UNIX') return { label: `[UNIX ${d.type} (${d.state})]  ${d.name !== undefined ? `${d.name} ` : ''}ino ${d.inode} peer ${d.peer_inode}` };
              const buf = d.send_buf !== undefined ? ` (↑ ${formatBytes(Number(d.send_buf))} ↓ ${formatBytes(Number(d.recv_buf))})` : '';
              return { label: `[${x.protocol} (${d.state})]  ${d.src}:${d.src_port} -> ${d.dst}:${d.dst_port}${buf}` };
            }),
          });
        const state = p.task_state !== 'Alive' ? ` (${p.task_state})` : '';
        return { label: `[${p.pid}]  ${sections.cmd && p.cmdline !== undefined ? p.cmdline : p.command}${state}`, children };
      };
      // Converted with a queue, not recursion (the tree may be --max-depth deep); children after the details.
      const tops = Array.isArray(tree) ? tree : [tree];
      const converted = tops.map(node);
      const queue: [ProcessNodeJson, TreeNode][] = tops.map((t, i) => [t, converted[i]]);
      for (let i = 0; i < queue.length; i++) {
        const [p, n] = queue[i];
        for (const c of p.children) {
          const cn = node(c);
          n.children!.push(cn);
          queue.push([c, cn]);
        }
      }
      kids.push({ label: 'Process tree', children: converted });
    }
    ctx.out(`Displaying container checkpoint tree view from ${ctx.args[0]}\n\n` + renderTree(root));
    return finish(ctx, cp);
  },
};
